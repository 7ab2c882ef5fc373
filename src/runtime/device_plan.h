// Planning a palette for a device (`elastiq palette --device`): for each budget (decode latency per
// token at the context's end and/or resident memory with the KV cache of the whole context), the
// subnets of the search space that the latency model and the footprint say fit on the device's
// profile, largest first; the palette search then scores them on validation data and keeps the
// best. Budgets nothing meets are user errors naming the smallest achievable latency and memory.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "src/core/subnet_space.h"
#include "src/runtime/device_profile.h"
#include "src/runtime/footprint.h"
#include "src/runtime/latency_model.h"
#include "src/runtime/selection.h"

namespace elastiq {

struct DeviceBudget {
  double latency_ms = 0.0;   // decode per token; <= 0: none
  int64_t memory_bytes = 0;  // resident; <= 0: none
  std::string Name() const;  // "lat10ms", "mem64M", "lat10ms_mem64M"
};

struct DevicePlanRequest {
  WeightFormat format = WeightFormat::kF32;
  KvCacheFormat kv_cache = KvCacheFormat::kF16;
  int context = 0;                 // tokens; the latency is predicted at its end
  std::vector<double> latency_ms;  // budgets; with memory too, every pair
  std::vector<int64_t> memory_bytes;
  int max_candidates = 8;
  double latency_margin = 0.0;  // a prediction times 1 + this must meet the latency budget
};

// A prediction with a latency margin (0.1: 10% headroom): what a latency budget is compared with.
inline double PlannedDecodeMs(double predicted_ms, double margin) { return predicted_ms * (1.0 + margin); }

// What one subnet costs on the device.
struct DeviceCost {
  double decode_ms = 0.0;  // the latency model's prediction
  Footprint footprint;
  double latency_margin = 0.0;
  double planned_decode_ms() const { return PlannedDecodeMs(decode_ms, latency_margin); }  // what meets a budget
  bool Meets(const DeviceBudget& b) const;
};
DeviceCost CostOn(const LatencyModel& model, const ModelConfig& config, const SubnetSpec& spec,
                  const DevicePlanRequest& request);
DeviceCost CostOn(const DeviceProfile& profile, const ModelConfig& config, const SubnetSpec& spec,
                  const DevicePlanRequest& request);  // with a model of the profile built for this call

struct DeviceTarget {
  DeviceBudget budget;
  std::vector<SubnetSpec> candidates;  // meeting the budget, most parameters first, at most max_candidates
};

// UserError for no budgets, a budget <= 0 or not finite, a context outside [1, max_seq_len], and a
// budget no subnet runnable in the format meets.
std::vector<DeviceTarget> PlanDevicePalette(const SubnetSpace& space, const ModelConfig& config,
                                            const DeviceProfile& profile, const DevicePlanRequest& request);

// Predicts every entry's decode latency at `context` on the profile (EntryChoice::predicted_decode_ms)
// and, with max_latency_ms > 0, drops the entries whose prediction times 1 + the profile's
// decode_margin is above it; UserError naming the fastest entry when none is left.
void ApplyLatencyBound(std::vector<EntryChoice>& ranked, const DeviceProfile& profile, const ModelFile& file,
                       WeightFormat format, KvCacheFormat kv_cache, int context, double max_latency_ms);

// The entry metrics a device palette records: budget, prediction, margin, format, context.
nlohmann::json DeviceEntryMetrics(const DeviceBudget& budget, const DeviceCost& cost, const DevicePlanRequest& request);

}  // namespace elastiq
