// Options of `elastiq palette` and the targets planned from them (plain structs, no LibTorch: shared by
// the front end and the helper; the planning is tools/palette_targets.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/runtime/device_plan.h"

namespace elastiq {

struct PaletteOptions {
  std::string supernet;                                // MLFS output (kind "supernet")
  std::string data;                                    // prepared data folder; the val split scores candidates
  std::string out;                                     // palette file
  std::vector<double> sizes = {1.0, 0.67, 0.5, 0.25};  // fractions of the maxnet's parameters
  int candidates = 8;           // per size: the largest subnets within budget, scored by the proxy
  int finalists = 2;            // per size: best proxy scores, evaluated on eval_tokens
  int64_t proxy_tokens = 4096;  // validation tokens of the cheap proxy
  int64_t eval_tokens = 32768;  // validation tokens of the real evaluation
  int batch_size = 8;
  std::string precision = "fp32";
  int threads = 0;
  // For a device (--device): budgets instead of sizes, the format and context they hold for.
  std::string device;               // device profile (elastiq device probe)
  std::vector<double> latency_ms;   // decode per token
  std::vector<std::string> memory;  // resident, with the KV cache ("64M")
  std::string format = "fp32", kv_cache = "f16";
  int context = 0;               // 0: the model's max_seq_len
  double latency_margin = -1.0;  // headroom under a latency budget (0.1: 10%); < 0: the profile's decode_margin
  // Filled in by the front end:
  std::string val_ids;
};

// One entry to find: a requested size, or a budget on a device, with its candidate subnets.
struct SearchTarget {
  std::string name;
  std::vector<SubnetSpec> candidates;  // largest first
  nlohmann::json metrics;              // recorded with the winner (requested_size)
  std::optional<DeviceBudget> budget;  // device targets
};

struct PalettePlan {
  std::vector<SearchTarget> targets;
  std::optional<DeviceProfile> device;
  DevicePlanRequest request;  // device plans
};

}  // namespace elastiq
