// `elastiq device probe` (measure this machine into a device profile) and `elastiq device compare`
// (a palette's predicted latency and memory on two devices).
#include <cstdio>
#include <iostream>

#include "src/core/error.h"
#include "src/core/json_fields.h"
#include "src/runtime/calibration.h"
#include "src/runtime/device_plan.h"
#include "src/runtime/latency_model.h"
#include "src/runtime/memory_probe.h"
#include "src/runtime/thread_pool.h"
#include "src/runtime/weight_store.h"
#include "tools/commands.h"

namespace elastiq {
namespace {

struct ProbeCommandOptions {
  std::string out, isa;
  int threads = 0;
  std::vector<int64_t> widths;
  double watch_minutes = 0.0;
  std::string arena;
};

void AddProbeOptions(po::options_description& d, ProbeCommandOptions& o) {
  // clang-format off
  d.add_options()
      ("out", po::value(&o.out)->required(), "device profile to write (JSON)")
      ("isa", po::value(&o.isa), "kernels to time: scalar | avx2 | avx512 | neon (default: what the runtime picks)")
      ("threads", po::value(&o.threads)->default_value(o.threads), "runtime threads to time (0: one per core)")
      ("widths", po::value(&o.widths)->multitoken(), "rows and columns grid of the linear timings (default 64 to 4096 in 1.5x and 2x steps; multiples of 32)")
      ("watch-minutes", po::value(&o.watch_minutes)->default_value(o.watch_minutes),
       ("then time real decode steps again about every " + std::to_string(static_cast<int>(kWatchIntervalSeconds)) +
        " s for this long: the decode margin kept under budgets covers how the machine's speed moves over that time (0: the probe's one round)").c_str())
      ("arena", po::value(&o.arena), "largest buffer read, e.g. 64M (memory's speed, the sweeps, cold timings; default a quarter of the memory available, 64M to 512M; keep it past 4x the last-level cache, or memory reads partly from cache)");
  // clang-format on
}

Isa ProbeIsa(const std::string& name) {
  if (name.empty()) return SelectIsa();
  const std::optional<Isa> isa = IsaFromName(name);
  if (!isa) throw UserError("--isa must be scalar, avx2, avx512 or neon, got \"" + name + "\"");
  if (!IsaSupported(*isa)) throw UserError(std::string("--isa ") + name + ": this CPU cannot run it");
  return *isa;
}

// --arena: 0 (the default) or 16 MiB to 16 GiB, and at most half the memory this process may still take
// (the probe holds the arena and a sweep's buffer of the same size at once).
int64_t ProbeArenaBytes(const std::string& text) {
  if (text.empty()) return 0;
  const int64_t bytes = ParseByteSize(text, "--arena");
  if (bytes < (int64_t{16} << 20) || bytes > (int64_t{16} << 30))
    throw UserError("--arena must be 16M to 16G, got " + text);
  const int64_t spare = ProbeMemory().spare_bytes();
  if (spare > 0 && bytes > spare / 2)
    throw UserError("--arena " + text + " is more than half the memory available (" + FormatBytes(spare) +
                    "): give at most " + FormatBytes(spare / 2));
  return bytes;
}

void PrintProfile(const DeviceProfile& p, const std::string& path) {
  std::printf("wrote %s: %s, %s kernels at %d threads\n", path.c_str(), DescribeMachine(p.machine).c_str(),
              p.isa.c_str(), p.threads);
  std::printf("  memory bandwidth %.2f GB/s; caches hold about %s (measured; the OS says L2 %s, L3 %s)\n",
              p.bandwidth_bytes_per_s / 1e9, FormatBytes(p.cache_bytes).c_str(),
              p.l2_bytes > 0 ? FormatBytes(p.l2_bytes).c_str() : "?",
              p.l3_bytes > 0 ? FormatBytes(p.l3_bytes).c_str() : "?");
  const LatencyModel model(p);
  std::printf("  fp32 GEMV 1024x1024 from memory: %.1f us; parallel region %.2f us\n",
              1e6 * model.LinearSeconds(WeightFormat::kF32, 1024, 1024, 1, true), 1e6 * p.dispatch_seconds);
  if (p.PrefixLinear(WeightFormat::kF32))
    std::printf("  fp32 prefix views (subnets narrower than the maxnet) cost %.0f%% of the skipped bytes' read time\n",
                100.0 * model.prefix_read_share());
  std::printf(
      "  real decode steps ran up to %.0f%% past the latency model at the median (decode margin, kept under budgets",
      100.0 * p.decode_margin);
  if (p.decode_margin_rounds > 1)
    std::printf("; 90th percentile of %d rounds over %.1f minutes", p.decode_margin_rounds,
                p.decode_margin_watch_seconds / 60.0);
  std::printf(")\n");
}

// --- compare ---

struct CompareOptions {
  std::vector<std::string> profiles;
  std::string palette, format = "fp32", kv_cache = "f16";
  int context = 0;
  bool json = false;
};

void AddCompareOptions(po::options_description& d, CompareOptions& o) {
  // clang-format off
  d.add_options()
      ("profiles", po::value(&o.profiles)->multitoken()->required(), "device profiles to compare (two or more; also given bare)")
      ("palette", po::value(&o.palette)->required(), "palette file")
      ("format", po::value(&o.format)->default_value(o.format), "weights: fp32 | w8a8 | ternary")
      ("kv-cache", po::value(&o.kv_cache)->default_value(o.kv_cache), "KV cache: f32 | f16")
      ("context", po::value(&o.context)->default_value(o.context),
       "tokens in the context: decode latency at its end, KV cache for all of it (0: the model's max_seq_len)")
      ("json", po::bool_switch(&o.json), "print JSON");
  // clang-format on
}

// The table a user reads to decide what ships where: per entry, predicted ms/token and memory per device.
void PrintComparison(const CompareOptions& o, const std::vector<DeviceProfile>& devices, int context,
                     const nlohmann::json& rows) {
  std::printf("%s, %s weights, KV cache %s, decode at %d tokens of context\n", o.palette.c_str(), o.format.c_str(),
              o.kv_cache.c_str(), context);
  for (size_t i = 0; i < devices.size(); ++i)
    std::printf("  device %zu: %s (%s, %s, %d threads; decode margin %.0f%%)\n", i + 1, o.profiles[i].c_str(),
                DescribeMachine(devices[i].machine).c_str(), devices[i].isa.c_str(), devices[i].threads,
                100.0 * devices[i].decode_margin);
  std::printf("%-10s", "entry");
  for (size_t i = 0; i < devices.size(); ++i)
    std::printf("  %12s %12s", ("ms/token " + std::to_string(i + 1)).c_str(),
                ("memory " + std::to_string(i + 1)).c_str());
  std::printf("\n");
  for (const nlohmann::json& row : rows) {
    std::printf("%-10s", row["entry"].get<std::string>().c_str());
    for (const nlohmann::json& d : row["devices"])
      std::printf("  %12.2f %12s", d["decode_ms"].get<double>(),
                  FormatBytes(d["footprint_bytes"].get<int64_t>()).c_str());
    std::printf("\n");
  }
}

}  // namespace

int RunDeviceProbe(const Args& args) {
  ProbeCommandOptions o;
  if (!ParseOptions(
          "device probe options",
          "elastiq device probe --out device.json [--isa NAME] [--threads N] [--watch-minutes M] [--arena SIZE]", args,
          o, AddProbeOptions))
    return 0;
  CheckThreadCount(o.threads);
  if (!(o.watch_minutes >= 0 && o.watch_minutes <= 24 * 60))
    throw UserError("--watch-minutes must be 0 to 1440 minutes, got " + std::to_string(o.watch_minutes));
  ProbeOptions probe{ProbeIsa(o.isa),        ThreadPool::ResolveSize(o.threads), o.widths,
                     60.0 * o.watch_minutes, ProbeArenaBytes(o.arena),           {}};
  probe.progress = [](const std::string& what, double done) {
    std::fprintf(stderr, "\rprobe: %3.0f%% %-64s", 100.0 * done, what.c_str());
    if (done >= 1.0) std::fprintf(stderr, "\n");
  };
  const DeviceProfile p = ProbeDevice(probe);
  SaveDeviceProfile(p, o.out);
  PrintProfile(p, o.out);
  return 0;
}

int RunDeviceCompare(const Args& args) {
  CompareOptions o;
  constexpr const char* kUsage =
      "elastiq device compare a.json b.json --palette P.h5 [--format F] [--context N] [--json]";
  po::options_description d("device compare options");
  AddCompareOptions(d, o);
  po::variables_map vm;
  if (!ParseCommandLine(kUsage, d, args, vm, "profiles")) return 0;
  std::vector<DeviceProfile> devices;
  for (const std::string& path : o.profiles) devices.push_back(LoadDeviceProfile(path));
  const WeightFormat format = ParseWeightFormat(o.format);
  const KvCacheFormat kv_cache = ParseKvCacheFormat(o.kv_cache);
  const ModelFile file = ModelFile::Open(o.palette);
  RequireWeightFormat(file, format);
  const ModelConfig& c = file.config();
  if (o.context < 0 || o.context > c.max_seq_len)
    throw UserError("--context must be between 1 and the model's max_seq_len (" + std::to_string(c.max_seq_len) + ")");
  const int context = o.context > 0 ? o.context : c.max_seq_len;
  nlohmann::json rows = nlohmann::json::array();
  for (const PaletteEntry& e : file.palette()) {
    nlohmann::json row = {{"entry", e.spec.name}, {"devices", nlohmann::json::array()}};
    for (size_t i = 0; i < devices.size(); ++i) {
      const DeviceProfile& p = devices[i];
      const DeviceCost cost = CostOn(p, c, e.spec, {format, kv_cache, context, {}, {}, 1, p.decode_margin});
      row["devices"].push_back({{"profile", o.profiles[i]},
                                {"decode_ms", cost.decode_ms},
                                {"planned_decode_ms", cost.planned_decode_ms()},
                                {"footprint_bytes", cost.footprint.total()},
                                {"fits_memory", p.mem_total < 0 || cost.footprint.total() <= p.mem_total}});
    }
    rows.push_back(row);
  }
  if (o.json) {
    nlohmann::json profiles = nlohmann::json::array();  // what of each profile the predictions rest on
    for (size_t i = 0; i < devices.size(); ++i)
      profiles.push_back({{"profile", o.profiles[i]},
                          {"cache_bytes", devices[i].cache_bytes},
                          {"fp32_prefix_read_share", PrefixReadShare(devices[i], WeightFormat::kF32)}});
    std::cout << DumpJson({{"palette", o.palette},
                           {"format", o.format},
                           {"context", context},
                           {"profiles", profiles},
                           {"entries", rows}},
                          1)
              << "\n";
    return 0;
  }
  PrintComparison(o, devices, context, rows);
  return 0;
}

}  // namespace elastiq
