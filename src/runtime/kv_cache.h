// The KV cache: keys and values of every virtual layer and position, (virtual layers, context,
// width = n_kv_heads x head_dim), in fp32 or IEEE fp16. fp16 halves the cache's memory and the bytes
// attention reads per decoded token (which grow with the context); values are rounded to nearest
// even when stored (cvt_f32f16) and widened in the attention kernels (attn_scores_f16, attn_values_f16).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "src/kernels/kernels.h"

namespace elastiq {

enum class KvCacheFormat { kF32, kF16 };
const char* KvCacheFormatName(KvCacheFormat f);             // "f32", "f16" (the --kv-cache values)
KvCacheFormat ParseKvCacheFormat(const std::string& name);  // UserError naming --kv-cache for others
int64_t KvCacheElementBytes(KvCacheFormat f);
// Keys + values of `virtual_layers` x `context` positions of `width` elements.
// Computed in double and capped (SaturatedBytes): any declared sizes stay comparable, none overflows.
int64_t KvCacheBytes(KvCacheFormat f, int64_t virtual_layers, int64_t context, int64_t width);
// A byte count as int64, capped at 2^60 (sums of a few such stay representable).
int64_t SaturatedBytes(double bytes);

class KvCache {
 public:
  KvCache() = default;
  // Not zeroed: pages are touched as positions fill, so the cache costs memory and time in
  // proportion to the tokens fed, and a new engine starts fast.
  KvCache(KvCacheFormat format, int64_t virtual_layers, int64_t context, int64_t width);

  KvCacheFormat format() const { return format_; }
  int64_t bytes() const { return KvCacheBytes(format_, layers_, context_, width_); }

  // Stores keys and values k, v: (tokens, width) at positions [pos, pos + tokens) of `layer`.
  void Store(const KernelTable& kernels, int layer, int64_t pos, int64_t tokens, const float* k, const float* v);
  // The `heads` query heads q[h * n : (h + 1) * n] that share the KV head at columns [col, col + n)
  // (grouped-query attention) against the first `keys` positions of `layer`, each cached row read once:
  // scores[h * scores_stride + j] = q_h . key_j[col : col + n].
  void Scores(const KernelTable& kernels, int layer, int64_t col, const float* q, int64_t heads, int64_t n,
              int64_t keys, float* scores, int64_t scores_stride) const;
  // out[h * n + i] += sum_{j < keys} p[h * p_stride + j] * value_j[col + i] for h < heads, i < n.
  void AccumulateValues(const KernelTable& kernels, int layer, int64_t col, const float* p, int64_t p_stride,
                        int64_t heads, int64_t keys, float* out, int64_t n) const;

 private:
  // Element offset of (layer, pos, col).
  int64_t Offset(int layer, int64_t pos, int64_t col) const { return (layer * context_ + pos) * width_ + col; }
  template <typename T>
  static T* Elements(const std::unique_ptr<std::byte[]>& buffer) {
    return reinterpret_cast<T*>(buffer.get());
  }

  KvCacheFormat format_ = KvCacheFormat::kF32;
  int64_t layers_ = 0, context_ = 0, width_ = 0;
  std::unique_ptr<std::byte[]> k_, v_;  // float or uint16_t (fp16) elements
};

}  // namespace elastiq
