// Sizes -> PlanPalette; budgets on a device -> PlanDevicePalette.
#include "tools/palette_targets.h"

#include "src/core/error.h"
#include "src/core/palette_plan.h"
#include "src/runtime/memory_probe.h"

namespace elastiq {
namespace {

DevicePlanRequest DeviceRequest(const PaletteOptions& o, const ModelConfig& c, const DeviceProfile& p) {
  DevicePlanRequest r;
  r.format = ParseWeightFormat(o.format);
  r.kv_cache = ParseKvCacheFormat(o.kv_cache);
  if (o.context < 0) throw UserError("--context must be >= 0 (0: the model's max_seq_len)");
  r.context = o.context > 0 ? o.context : c.max_seq_len;
  r.latency_ms = o.latency_ms;
  for (const std::string& m : o.memory) r.memory_bytes.push_back(ParseByteSize(m, "--memory"));
  r.max_candidates = o.candidates;
  if (o.latency_margin >= 1.0) throw UserError("--latency-margin is a fraction of the prediction (0.1: 10%), below 1");
  r.latency_margin = o.latency_margin >= 0.0 ? o.latency_margin : p.decode_margin;
  return r;
}

}  // namespace

PalettePlan PlanPaletteTargets(const PaletteOptions& o, const ModelFile& supernet, bool sizes_given) {
  const ModelConfig& c = supernet.config();
  const SubnetSpace space = supernet.StoredSubnetSpace();
  PalettePlan plan;
  if (o.device.empty()) {
    if (!o.latency_ms.empty() || !o.memory.empty())
      throw UserError("--latency-ms and --memory are budgets on a device: add --device D.json (elastiq device probe)");
    for (PaletteTarget& t : PlanPalette(space, c, o.sizes, o.candidates))
      plan.targets.push_back({t.name, std::move(t.candidates), {{"requested_size", t.size}}, std::nullopt});
    return plan;
  }
  if (sizes_given) throw UserError("--sizes is the device-free path; with --device give --latency-ms and/or --memory");
  plan.device = LoadDeviceProfile(o.device);
  plan.request = DeviceRequest(o, c, *plan.device);
  for (DeviceTarget& t : PlanDevicePalette(space, c, *plan.device, plan.request))
    plan.targets.push_back({t.budget.Name(), std::move(t.candidates), nlohmann::json::object(), t.budget});
  return plan;
}

}  // namespace elastiq
