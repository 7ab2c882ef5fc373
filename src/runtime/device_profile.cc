// Device profile JSON: every field written, every field checked on the way back in.
#include "src/runtime/device_profile.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/json_fields.h"
#include "src/runtime/memory_probe.h"

namespace elastiq {
namespace {

using nlohmann::json;

// The first "key : value" line of /proc/cpuinfo whose key is one of `keys`, in their order.
std::string CpuInfoField(const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      name.erase(name.find_last_not_of(" \t") + 1);
      if (name == key) return line.substr(std::min(line.size(), colon + 2));
    }
  }
  return "unknown";
}

json MachineToJson(const MachineIdentity& m) {
  return {{"cpu", m.cpu},
          {"arch", m.arch},
          {"hostname", m.hostname},
          {"logical_cores", m.logical_cores},
          {"mem_total", m.mem_total}};
}

MachineIdentity MachineFromJson(const json& j, const std::string& source) {
  return {RequireString(j, "cpu", source), RequireString(j, "arch", source), OptionalString(j, "hostname", source, ""),
          RequireInt(j, "logical_cores", source), OptionalInt64(j, "mem_total", source, -1)};
}

// A grid axis: positive and strictly increasing.
std::vector<int64_t> Axis(const json& j, const std::string& key, const std::string& source) {
  std::vector<int64_t> out;
  for (double v : RequireNumberList(j, key, source)) {
    if (!(v >= 1 && v <= 1e9) || v != std::floor(v) || (!out.empty() && v <= static_cast<double>(out.back())))
      throw UserError(source + ": field \"" + key + "\" must list increasing whole numbers >= 1");
    out.push_back(static_cast<int64_t>(v));
  }
  if (out.empty()) throw UserError(source + ": field \"" + key + "\" is empty");
  return out;
}

// Times: positive, finite, one per grid point.
std::vector<double> Seconds(const json& j, const std::string& source, size_t expected) {
  std::vector<double> out = RequireNumberList(j, "seconds", source);
  if (out.size() != expected)
    throw UserError(source + ": field \"seconds\" has " + std::to_string(out.size()) + " values, the grid " +
                    std::to_string(expected));
  for (double s : out)
    if (!(s > 0 && s < 1e6)) throw UserError(source + ": field \"seconds\" must hold positive times");
  return out;
}

json LinearToJson(const LinearTable& t) {
  return {{"format", WeightFormatName(t.format)},
          {"tokens", t.tokens},
          {"cold", t.cold},
          {"rows", t.rows},
          {"cols", t.cols},
          {"seconds", t.seconds},
          {"stored_width_ratio", t.stored_width_ratio}};
}

LinearTable LinearFromJson(const json& j, const std::string& source) {
  LinearTable t;
  const std::string format = RequireString(j, "format", source);
  try {
    t.format = ParseWeightFormat(format);
  } catch (const UserError&) {
    throw UserError(source + ": field \"format\" must be fp32, w8a8 or ternary, got \"" + format + "\"");
  }
  t.tokens = RequireInt(j, "tokens", source);
  if (t.tokens < 1) throw UserError(source + ": field \"tokens\" must be >= 1");
  t.cold = OptionalBool(j, "cold", source, false);
  t.rows = Axis(j, "rows", source);
  t.cols = Axis(j, "cols", source);
  t.seconds = Seconds(j, source, t.rows.size() * t.cols.size());
  t.stored_width_ratio = OptionalInt(j, "stored_width_ratio", source, 1);
  if (t.stored_width_ratio < 1 || (t.stored_width_ratio > 1 && (t.tokens != 1 || !t.cold)))
    throw UserError(source + ": field \"stored_width_ratio\" must be >= 1, and 1 except in a cold 1-token table");
  return t;
}

json AttentionToJson(const AttentionTable& t) {
  return {{"kv_cache", KvCacheFormatName(t.kv_cache)},
          {"cold", t.cold},
          {"head_dim", t.head_dim},
          {"kv_heads", t.kv_heads},
          {"group_sizes", t.group_sizes},
          {"keys", t.keys},
          {"seconds", t.seconds}};
}

AttentionTable AttentionFromJson(const json& j, const std::string& source) {
  AttentionTable t;
  const std::string kv = RequireString(j, "kv_cache", source);
  if (kv != "f32" && kv != "f16") throw UserError(source + ": field \"kv_cache\" must be f32 or f16");
  t.kv_cache = ParseKvCacheFormat(kv);
  t.cold = OptionalBool(j, "cold", source, false);
  t.head_dim = RequireInt(j, "head_dim", source);
  if (t.head_dim < 1) throw UserError(source + ": field \"head_dim\" must be >= 1");
  t.kv_heads = Axis(j, "kv_heads", source);
  t.group_sizes = Axis(j, "group_sizes", source);
  t.keys = Axis(j, "keys", source);
  t.seconds = Seconds(j, source, t.kv_heads.size() * t.group_sizes.size() * t.keys.size());
  return t;
}

// The array field `key`, each item read by `read` with its index in the source.
template <typename T, typename Read>
std::vector<T> Items(const json& j, const std::string& key, const std::string& source, Read read) {
  if (!j.contains(key) || !j[key].is_array() || j[key].empty())
    throw UserError(source + ": field \"" + key + "\" must be a non-empty array");
  std::vector<T> out;
  for (size_t i = 0; i < j[key].size(); ++i)
    out.push_back(read(j[key][i], source + " " + key + "[" + std::to_string(i) + "]"));
  return out;
}

}  // namespace

MachineIdentity ThisMachine() {
  MachineIdentity m;
  m.cpu = CpuInfoField({"model name", "Hardware", "CPU part"});
  utsname u{};
  if (uname(&u) == 0) {
    m.arch = u.machine;
    m.hostname = u.nodename;
  }
  m.logical_cores = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  m.mem_total = ProbeMemory().mem_total;
  return m;
}

std::string DescribeMachine(const MachineIdentity& m) {
  return m.cpu + ", " + m.arch + ", " + std::to_string(m.logical_cores) + " cores, " +
         (m.mem_total > 0 ? FormatBytes(m.mem_total) : std::string("memory unknown"));
}

const LinearTable& DeviceProfile::Linear(WeightFormat format, int tokens, bool cold) const {
  for (const LinearTable& t : linear)
    if (t.format == format && t.tokens == tokens && t.cold == cold && t.stored_width_ratio == 1) return t;
  throw UserError(std::string("the device profile has no ") + (cold ? "cold " : "") + WeightFormatName(format) +
                  " timings at " + std::to_string(tokens) + " tokens; probe again with this version");
}

const LinearTable* DeviceProfile::PrefixLinear(WeightFormat format) const {
  for (const LinearTable& t : linear)
    if (t.format == format && t.stored_width_ratio > 1) return &t;
  return nullptr;
}

const AttentionTable& DeviceProfile::Attention(KvCacheFormat kv_cache, bool cold) const {
  for (const AttentionTable& t : attention)
    if (t.kv_cache == kv_cache && t.cold == cold) return t;
  throw UserError(std::string("the device profile has no ") + (cold ? "cold " : "") + "attention timings for a " +
                  KvCacheFormatName(kv_cache) + " KV cache; probe again with this version");
}

std::vector<int> DeviceProfile::PrefillTokens(WeightFormat format) const {
  std::vector<int> out;
  for (const LinearTable& t : linear)
    if (t.format == format && t.tokens > 1 && t.stored_width_ratio == 1) out.push_back(t.tokens);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

json DeviceProfileToJson(const DeviceProfile& p) {
  json linear = json::array(), attention = json::array();
  for (const LinearTable& t : p.linear) linear.push_back(LinearToJson(t));
  for (const AttentionTable& t : p.attention) attention.push_back(AttentionToJson(t));
  json j = {{"kind", "elastiq device profile"},
            {"version", p.version},
            {"elastiq_version", p.elastiq_version},
            {"created", p.created},
            {"machine", MachineToJson(p.machine)},
            {"isa", p.isa},
            {"threads", p.threads},
            {"caches", {{"l1d", p.l1d_bytes}, {"l2", p.l2_bytes}, {"l3", p.l3_bytes}, {"measured", p.cache_bytes}}},
            {"memory", {{"total", p.mem_total}, {"available", p.mem_available}, {"cgroup_limit", p.cgroup_limit}}},
            {"bandwidth_bytes_per_s", p.bandwidth_bytes_per_s},
            {"rotation", {{"warm_bytes", p.warm_bytes}, {"cold_bytes", p.cold_bytes}}},
            {"dispatch_seconds", p.dispatch_seconds},
            {"elementwise_seconds_per_float", p.elementwise_seconds_per_float},
            {"step_seconds", p.step_seconds},
            {"layer_seconds", p.layer_seconds},
            {"decode_margin", p.decode_margin},
            {"decode_margin_rounds", p.decode_margin_rounds},
            {"decode_margin_watch_seconds", p.decode_margin_watch_seconds},
            {"decode_round_margins", p.decode_round_margins},
            {"linear", linear},
            {"attention", attention}};
  if (!p.sweep_bytes.empty()) j["bandwidth_sweep"] = {{"bytes", p.sweep_bytes}, {"bytes_per_s", p.sweep_bytes_per_s}};
  return j;
}

DeviceProfile DeviceProfileFromJson(const json& j, const std::string& source) {
  DeviceProfile p;
  if (OptionalString(j, "kind", source, "") != "elastiq device profile")
    throw UserError(source + ": not an elastiq device profile (make one with `elastiq device probe --out FILE.json`)");
  p.version = RequireInt(j, "version", source);
  if (p.version != kDeviceProfileVersion)
    throw UserError(source + ": device profile version " + std::to_string(p.version) + "; this elastiq reads version " +
                    std::to_string(kDeviceProfileVersion) + " (probe the device again with this version)");
  p.elastiq_version = RequireString(j, "elastiq_version", source);
  p.created = OptionalString(j, "created", source, "");
  p.machine = MachineFromJson(OptionalObject(j, "machine", source), source + " machine");
  p.isa = RequireString(j, "isa", source);
  p.threads = RequireInt(j, "threads", source);
  if (p.threads < 1) throw UserError(source + ": field \"threads\" must be >= 1");
  const json caches = OptionalObject(j, "caches", source);
  p.l1d_bytes = OptionalInt64(caches, "l1d", source + " caches", -1);
  p.l2_bytes = OptionalInt64(caches, "l2", source + " caches", -1);
  p.l3_bytes = OptionalInt64(caches, "l3", source + " caches", -1);
  p.cache_bytes = OptionalInt64(caches, "measured", source + " caches", 0);
  if (p.cache_bytes < 0) throw UserError(source + ": caches field \"measured\" must be >= 0");
  const json memory = OptionalObject(j, "memory", source);
  p.mem_total = OptionalInt64(memory, "total", source + " memory", -1);
  p.mem_available = OptionalInt64(memory, "available", source + " memory", -1);
  p.cgroup_limit = OptionalInt64(memory, "cgroup_limit", source + " memory", -1);
  p.bandwidth_bytes_per_s = RequireDouble(j, "bandwidth_bytes_per_s", source);
  const json sweep = OptionalObject(j, "bandwidth_sweep", source);
  if (!sweep.empty()) {
    p.sweep_bytes = Axis(sweep, "bytes", source + " bandwidth_sweep");
    p.sweep_bytes_per_s = RequireNumberList(sweep, "bytes_per_s", source + " bandwidth_sweep");
    if (p.sweep_bytes_per_s.size() != p.sweep_bytes.size())
      throw UserError(source + ": bandwidth_sweep has " + std::to_string(p.sweep_bytes.size()) + " sizes and " +
                      std::to_string(p.sweep_bytes_per_s.size()) + " speeds");
  }
  const json rotation = OptionalObject(j, "rotation", source);
  p.warm_bytes = OptionalInt64(rotation, "warm_bytes", source + " rotation", -1);
  p.cold_bytes = OptionalInt64(rotation, "cold_bytes", source + " rotation", -1);
  if (p.warm_bytes < 0 || p.cold_bytes < 1)
    throw UserError(source + ": field \"rotation\" needs warm_bytes >= 0 and cold_bytes >= 1");
  p.dispatch_seconds = RequireDouble(j, "dispatch_seconds", source);
  p.elementwise_seconds_per_float = RequireDouble(j, "elementwise_seconds_per_float", source);
  p.step_seconds = RequireDouble(j, "step_seconds", source);
  p.layer_seconds = RequireDouble(j, "layer_seconds", source);
  p.decode_margin = OptionalDouble(j, "decode_margin", source, 0.0);  // profiles from before it: none
  p.decode_margin_rounds = OptionalInt(j, "decode_margin_rounds", source, 1);
  p.decode_margin_watch_seconds = OptionalDouble(j, "decode_margin_watch_seconds", source, 0.0);
  if (p.decode_margin_rounds < 1 || !(p.decode_margin_watch_seconds >= 0))
    throw UserError(source + ": decode_margin_rounds must be >= 1 and decode_margin_watch_seconds >= 0");
  if (j.contains("decode_round_margins")) p.decode_round_margins = RequireNumberList(j, "decode_round_margins", source);
  if (!p.decode_round_margins.empty() && p.decode_round_margins.size() != static_cast<size_t>(p.decode_margin_rounds))
    throw UserError(source + ": decode_round_margins must hold one value per round (decode_margin_rounds)");
  if (!(p.bandwidth_bytes_per_s > 0) || !(p.dispatch_seconds >= 0) || !(p.elementwise_seconds_per_float >= 0) ||
      !(p.step_seconds >= 0) || !(p.layer_seconds >= 0) || !(p.decode_margin >= 0))
    throw UserError(source + ": bandwidth must be positive, fixed costs and decode_margin >= 0");
  p.linear = Items<LinearTable>(j, "linear", source, LinearFromJson);
  p.attention = Items<AttentionTable>(j, "attention", source, AttentionFromJson);
  return p;
}

DeviceProfile LoadDeviceProfile(const std::string& path) {
  return DeviceProfileFromJson(
      ParseJsonObject(ReadFileBytes(path), path, " (make one with `elastiq device probe --out FILE.json`)"), path);
}

void SaveDeviceProfile(const DeviceProfile& p, const std::string& path) {
  WriteFileAtomically(path, DumpJson(DeviceProfileToJson(p), 1) + "\n");
}

void RequireProfileMatches(const DeviceProfile& p, const std::string& path, const std::string& isa, int threads) {
  std::string differs;
  const MachineIdentity here = ThisMachine();
  if (!(p.machine == here))
    differs = "it was measured on " + DescribeMachine(p.machine) + ", this is " + DescribeMachine(here);
  else if (p.isa != isa)
    differs = "it timed the " + p.isa + " kernels, this run uses " + isa;
  else if (p.threads != threads)
    differs = "it was measured at " + std::to_string(p.threads) + " threads, this run uses " + std::to_string(threads);
  else if (p.elastiq_version != ELASTIQ_VERSION)
    differs = "it was measured by elastiq " + p.elastiq_version + ", this is " + ELASTIQ_VERSION;
  if (differs.empty()) return;
  throw UserError(path + ": this device profile does not describe this run (" + differs +
                  "); make one here with `elastiq device probe --threads " + std::to_string(threads) +
                  " --out FILE.json` (a profile of another device is for planning palettes)");
}

}  // namespace elastiq
