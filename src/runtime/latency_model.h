// Predicted decode and prefill time of any subnet on a device profile (src/runtime/device_profile.h),
// from the profile's measured tables and the shapes the engine runs (src/runtime/engine.cc), with no
// constants of its own. docs/METHODS.md, Latency model, has the formula:
//   decode step = sum over virtual layers of
//                   lin(q + 2kv rows, d) + lin(d, q) + lin(2f, d) + lin(d, f)        (fused as the engine runs them)
//                   + attention(kv_heads, G, keys) x head_dim / 64
//                   + (6d + q + 3kv + 2f) x elementwise
//               + lin_head(vocab, d) + (3d + vocab) x elementwise + step + virtual layers x layer
// where lin and attention blend the warm and cold tables by the step's working set (weights + KV
// cache read), cold once it passes the measured cache (ColdShare): a step reads its whole working set
// in turn, so by the time a byte is read again the rest of the step has passed through the cache.
// Step and layer are what real decode steps took beyond the rest (calibration.h). Prefill runs the
// same sum per chunk of tokens with the prefill tables (per-token time interpolated in log tokens),
// the warm attention of each of the chunk's causal key counts shared by the threads, and the head on
// the last token only. An fp32 subnet reads prefix views of the maxnet's rows (row stride = the
// maxnet's width): a cold lin of cols of stored_cols-wide rows costs (1 - s) x lin(rows, cols) +
// s x lin(rows, stored_cols), s the share of the skipped bytes the memory system reads anyway,
// measured by the probe (PrefixReadShare).
#pragma once

#include <cstdint>
#include <vector>

#include "src/core/model_config.h"
#include "src/core/subnet_spec.h"
#include "src/runtime/device_profile.h"

namespace elastiq {

struct LatencyQuery {
  WeightFormat format = WeightFormat::kF32;
  KvCacheFormat kv_cache = KvCacheFormat::kF16;
  int keys = 1;           // decode: positions in the cache after the step (the context reached)
  int prompt_tokens = 0;  // prefill: the prompt, fed from position 0
  int prefill_chunk = 0;  // tokens per call; <= 0: the whole prompt in one call
};

struct LatencyPrediction {
  double decode_seconds = 0.0;                                             // one decode step
  double decode_linear = 0.0, decode_attention = 0.0, decode_fixed = 0.0;  // its parts
  double prefill_seconds = 0.0;                                            // the whole prompt
  int64_t working_set_bytes = 0;                                           // read per decode step: weights + KV cache
  double cold_share = 0.0;  // weight of the cold tables (linear and attention) in the decode step (ColdShare)
  double prefill_seconds_per_token(int prompt_tokens) const {
    return prompt_tokens > 0 ? prefill_seconds / prompt_tokens : 0.0;
  }
};

// A linear layer read as a prefix view (fp32): `cols` of each stored row of `stored_cols`, with
// `skipped_read` of the skipped bytes read anyway (PrefixReadShare). Default: contiguous rows.
struct StoredRows {
  int64_t stored_cols = 0;
  double skipped_read = 0.0;
};

// The model of one profile: its tables made monotone and fp32's prefix read share, worked out once
// (the free functions below build one per call; a search over many subnets keeps one). It refers to
// the profile, which must outlive it.
class LatencyModel {
 public:
  explicit LatencyModel(const DeviceProfile& profile);
  const DeviceProfile& profile() const { return p_; }
  double prefix_read_share() const { return prefix_read_share_; }
  // UserError for a query the profile cannot answer (a format or KV cache it has no tables for).
  LatencyPrediction Predict(const ModelConfig& config, const SubnetSpec& spec, const LatencyQuery& query) const;
  double LinearSeconds(WeightFormat format, int64_t rows, int64_t cols, int tokens, bool cold,
                       const StoredRows& prefix = {}) const;  // as the free LinearSeconds
  double AttentionSeconds(KvCacheFormat kv_cache, bool cold, int64_t kv_heads, int64_t group_size, int64_t head_dim,
                          int64_t keys) const;  // as AttentionLayerSeconds on the profile's table

 private:
  double TableAt(const LinearTable& table, int64_t rows, int64_t cols) const;  // one of the profile's tables
  // One token's call: the table at (rows, cols); a cold fp32 prefix view adds the skipped bytes' share.
  double GemvSeconds(WeightFormat format, int64_t rows, int64_t cols, bool cold, const StoredRows& prefix) const;

  const DeviceProfile& p_;
  double prefix_read_share_;
  std::vector<std::vector<double>> linear_, attention_;  // seconds made monotone, as the profile's tables
};

// LatencyModel(profile).Predict(config, spec, query).
LatencyPrediction PredictLatency(const DeviceProfile& profile, const ModelConfig& config, const SubnetSpec& spec,
                                 const LatencyQuery& query);

// The table lookups (exposed for tests). Linear: the rate (seconds per weight per token) interpolated
// bilinearly in (log rows, log cols) over the grid made monotone (a larger shape never faster: each
// point lowered to the fastest larger one, so a noise spike does not raise every larger shape), held
// at the edge rate outside it; tokens > 1 interpolates the per-token time in log tokens between the
// 1-token cold table and the prefill tables (cold too: prefill reads each layer once per call), held
// past the last. A cold fp32 call of a prefix view (one token, and the 1-token point of prefill's
// interpolation) adds `prefix.skipped_read` of the time the rest of each stored row would take; warm
// calls, quantized formats (a prefix of their nested panels is a contiguous run of each panel, not
// timed as a prefix) and prefill's 16- and 128-token tables read as contiguous.
double LinearSeconds(const DeviceProfile& profile, WeightFormat format, int64_t rows, int64_t cols, int tokens,
                     bool cold, const StoredRows& prefix = {});
// The share of a prefix view's skipped bytes that reading it costs anyway, from the profile's prefix
// table (DeviceProfile::PrefixLinear): at each of its points, (prefix - lin(rows, cols)) / (lin(rows,
// ratio x cols) - lin(rows, cols)) on the contiguous cold table; the median, clamped to [0, 1] (0: reads
// only what it uses, 1: as slow as reading the whole stored rows). 0 without a prefix table.
double PrefixReadShare(const DeviceProfile& profile, WeightFormat format);
// The cold tables' share of a decode step with this working set: 0 up to the warm timings' rotation
// (half the cache the probe's first sweep measured) or half the measured cache (the median of its
// sweeps), whichever is smaller, 1 from the measured cache on, log-linear between. (Read off the
// read-bandwidth sweep instead, which read 32-256 MiB 0.80-1.47x as fast as 512 MiB in twelve probes
// here, the quantized formats' 30-120 MB subnets were predicted 10-30% fast at 1 thread:
// experiments/results/latency_replay_cold_share.md.)
double ColdShare(const DeviceProfile& profile, int64_t working_set_bytes);

// One layer's decode attention (device_profile.h): the table made monotone, then linear in KV heads,
// group size and keys between grid points (extended past the last point by the last slope, held below
// the first), scaled by head_dim over the table's.
double AttentionLayerSeconds(const AttentionTable& table, int64_t kv_heads, int64_t group_size, int64_t head_dim,
                             int64_t keys);

}  // namespace elastiq
