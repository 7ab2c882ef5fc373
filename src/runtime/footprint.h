// Predicted memory of running one palette entry in one format (docs/METHODS.md, Runtime):
// resident weight bytes (the pages of the shared copy the entry touches), KV cache for the
// context (fp32 or fp16 elements), and the engine's scratch buffers. Selection compares this with
// the memory budget.
#pragma once

#include <cstdint>
#include <string>

#include "src/core/model_config.h"
#include "src/core/subnet_spec.h"
#include "src/runtime/kv_cache.h"
#include "src/runtime/linear.h"

namespace elastiq {

struct Footprint {
  int64_t weights = 0;
  int64_t kv_cache = 0;
  int64_t scratch = 0;
  int64_t total() const { return weights + kv_cache + scratch; }
};

// `prefill_tokens`: the longest batch fed at once (scratch grows with it). For any declared sizes
// KV cache and scratch are computed in double and capped (SaturatedBytes).
Footprint EstimateFootprint(const ModelConfig& config, const SubnetSpec& spec, WeightFormat format,
                            KvCacheFormat kv_cache, int context, int threads, int prefill_tokens);

// Before an engine allocates: UserError naming `file`, the context and the config's sizes when the
// KV cache and buffers alone exceed `machine_bytes` (the machine's memory or cgroup limit; <= 0:
// unknown, no check). A file declaring max_seq_len 2e9 or repeat 1e9 ends here, not in bad_alloc.
void RequireStateFitsMachine(const Footprint& footprint, const ModelConfig& config, int context, int64_t machine_bytes,
                             const std::string& file);

}  // namespace elastiq
