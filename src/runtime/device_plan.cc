// Budgets -> candidate subnets, by the latency model and the footprint estimate.
#include "src/runtime/device_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "src/core/error.h"
#include "src/core/palette_plan.h"
#include "src/runtime/memory_probe.h"
#include "src/runtime/selection.h"

namespace elastiq {
namespace {

// "10ms", "2.5ms"; "64M", "1.5G" (the --memory spelling).
std::string Shown(double v, const char* unit) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g%s", v, unit);
  return buf;
}

std::string ShownBytes(int64_t bytes) {
  const char* units[] = {"", "K", "M", "G", "T"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (u < 4 && v >= 1024.0 && std::fmod(v * 100.0, 1024.0) == 0.0) {  // 1536M -> 1.5G
    v /= 1024.0;
    ++u;
  }
  return Shown(v, units[u]);
}

std::vector<DeviceBudget> Budgets(const DevicePlanRequest& r) {
  for (double ms : r.latency_ms)
    if (!(ms > 0.0 && std::isfinite(ms)))
      throw UserError("--latency-ms must be positive milliseconds, got " + Shown(ms, ""));
  for (int64_t bytes : r.memory_bytes)
    if (bytes <= 0) throw UserError("--memory must be positive sizes, got " + std::to_string(bytes));
  std::vector<DeviceBudget> out;
  if (r.latency_ms.empty()) {
    for (int64_t bytes : r.memory_bytes) out.push_back({0.0, bytes});
  } else if (r.memory_bytes.empty()) {
    for (double ms : r.latency_ms) out.push_back({ms, 0});
  } else {
    for (double ms : r.latency_ms)
      for (int64_t bytes : r.memory_bytes) out.push_back({ms, bytes});
  }
  if (out.empty()) throw UserError("palette --device needs budgets: --latency-ms MS... and/or --memory SIZE...");
  return out;
}

// The error for a budget no subnet meets: the smallest latency and memory any subnet reaches.
UserError NothingMeets(const DeviceBudget& b, const std::vector<DeviceCost>& costs, const DevicePlanRequest& r) {
  double fastest = INFINITY;
  int64_t smallest = INT64_MAX;
  for (const DeviceCost& c : costs) {
    fastest = std::min(fastest, c.decode_ms);
    smallest = std::min(smallest, c.footprint.total());
  }
  char margin[96] = "";
  if (r.latency_margin > 0.0)
    std::snprintf(margin, sizeof margin, " (%.3f with the %.0f%% latency margin)",
                  PlannedDecodeMs(fastest, r.latency_margin), 100.0 * r.latency_margin);
  char buf[256];
  std::snprintf(buf, sizeof buf, "the fastest subnet decodes in %.3f ms per token%s and the smallest needs %s", fastest,
                margin, FormatBytes(smallest).c_str());
  return UserError("no subnet of the search space meets the budget " + b.Name() + " on this device in " +
                   WeightFormatName(r.format) + " at " + std::to_string(r.context) + " tokens of context: " + buf +
                   "; raise the budget, shorten --context or use a smaller format");
}

}  // namespace

std::string DeviceBudget::Name() const {
  std::string name;
  if (latency_ms > 0.0) name = "lat" + Shown(latency_ms, "ms");
  if (memory_bytes > 0) name += (name.empty() ? "mem" : "_mem") + ShownBytes(memory_bytes);
  return name;
}

bool DeviceCost::Meets(const DeviceBudget& b) const {
  return (b.latency_ms <= 0.0 || planned_decode_ms() <= b.latency_ms) &&
         (b.memory_bytes <= 0 || footprint.total() <= b.memory_bytes);
}

DeviceCost CostOn(const LatencyModel& m, const ModelConfig& c, const SubnetSpec& s, const DevicePlanRequest& r) {
  const LatencyPrediction l = m.Predict(c, s, {r.format, r.kv_cache, r.context, 0, 0});
  // Scratch for the run command's prefill chunks of 64 tokens.
  return {1e3 * l.decode_seconds, EstimateFootprint(c, s, r.format, r.kv_cache, r.context, m.profile().threads, 64),
          r.latency_margin};
}

DeviceCost CostOn(const DeviceProfile& p, const ModelConfig& c, const SubnetSpec& s, const DevicePlanRequest& r) {
  return CostOn(LatencyModel(p), c, s, r);
}

std::vector<DeviceTarget> PlanDevicePalette(const SubnetSpace& space, const ModelConfig& c, const DeviceProfile& p,
                                            const DevicePlanRequest& r) {
  if (r.context < 1 || r.context > c.max_seq_len)
    throw UserError("--context must be between 1 and the model's max_seq_len (" + std::to_string(c.max_seq_len) + ")");
  if (r.max_candidates < 1) throw UserError("--candidates must be >= 1");
  const std::vector<DeviceBudget> budgets = Budgets(r);
  std::vector<SubnetSpec> subnets;
  for (SubnetSpec& s : LargestFirst(space, c))
    if (RunnableIn(c, s, r.format)) subnets.push_back(std::move(s));
  if (subnets.empty())
    throw UserError(std::string("no subnet of the search space runs in ") + WeightFormatName(r.format) +
                    " (quantized formats need widths that are multiples of 32)");
  const LatencyModel model(p);
  std::vector<DeviceCost> costs;
  for (const SubnetSpec& s : subnets) costs.push_back(CostOn(model, c, s, r));
  std::vector<DeviceTarget> targets;
  for (const DeviceBudget& b : budgets) {
    DeviceTarget t{b, {}};
    for (size_t i = 0; i < subnets.size() && static_cast<int>(t.candidates.size()) < r.max_candidates; ++i)
      if (costs[i].Meets(b)) t.candidates.push_back(subnets[i]);
    if (t.candidates.empty()) throw NothingMeets(b, costs, r);
    targets.push_back(std::move(t));
  }
  return targets;
}

void ApplyLatencyBound(std::vector<EntryChoice>& ranked, const DeviceProfile& p, const ModelFile& file,
                       WeightFormat format, KvCacheFormat kv_cache, int context, double max_latency_ms) {
  if (max_latency_ms < 0 || !std::isfinite(max_latency_ms))
    throw UserError("--max-latency-ms must be positive milliseconds");
  const LatencyModel model(p);
  const EntryChoice* fastest = nullptr;
  for (EntryChoice& e : ranked) {
    const LatencyPrediction l =
        model.Predict(file.config(), file.Entry(e.name).spec, {format, kv_cache, context, 0, 0});
    e.predicted_decode_ms = 1e3 * l.decode_seconds;
    if (!fastest || e.predicted_decode_ms < fastest->predicted_decode_ms) fastest = &e;
  }
  if (max_latency_ms <= 0 || ranked.empty()) return;
  char shown[224];
  std::snprintf(shown, sizeof shown,
                "%g ms per token; the fastest entry, \"%s\", is predicted at %.3f ms, %.3f with the profile's %.0f%% "
                "decode margin",
                max_latency_ms, fastest->name.c_str(), fastest->predicted_decode_ms,
                PlannedDecodeMs(fastest->predicted_decode_ms, p.decode_margin), 100.0 * p.decode_margin);
  const std::string nothing = shown;
  std::erase_if(ranked, [&](const EntryChoice& e) {
    return PlannedDecodeMs(e.predicted_decode_ms, p.decode_margin) > max_latency_ms;  // the profile's headroom
  });
  if (ranked.empty())
    throw UserError(file.path() + ": no entry decodes within " + nothing + " in " + WeightFormatName(format) + " at " +
                    std::to_string(context) +
                    " tokens of context; raise the bound, shorten --context or use a smaller --format");
}

nlohmann::json DeviceEntryMetrics(const DeviceBudget& b, const DeviceCost& cost, const DevicePlanRequest& r) {
  nlohmann::json m = {{"predicted_decode_ms", cost.decode_ms},
                      {"latency_margin", cost.latency_margin},
                      {"planned_decode_ms", cost.planned_decode_ms()},
                      {"footprint_bytes", cost.footprint.total()},
                      {"format", WeightFormatName(r.format)},
                      {"kv_cache", KvCacheFormatName(r.kv_cache)},
                      {"context", r.context}};
  if (b.latency_ms > 0.0) m["budget_latency_ms"] = b.latency_ms;
  if (b.memory_bytes > 0) m["budget_memory_bytes"] = b.memory_bytes;
  return m;
}

}  // namespace elastiq
