// KV cache storage and the two attention reads over it (scores, weighted values), fp32 or fp16,
// each one kernel call per head (src/kernels/kernels.h).
#include "src/runtime/kv_cache.h"

#include <algorithm>

#include "src/core/error.h"

namespace elastiq {

const char* KvCacheFormatName(KvCacheFormat f) { return f == KvCacheFormat::kF16 ? "f16" : "f32"; }

KvCacheFormat ParseKvCacheFormat(const std::string& name) {
  for (KvCacheFormat f : {KvCacheFormat::kF32, KvCacheFormat::kF16}) {
    if (name == KvCacheFormatName(f)) return f;
  }
  throw UserError("--kv-cache must be f32 or f16, got \"" + name + "\"");
}

int64_t KvCacheElementBytes(KvCacheFormat f) { return f == KvCacheFormat::kF16 ? 2 : 4; }

int64_t KvCacheBytes(KvCacheFormat f, int64_t virtual_layers, int64_t context, int64_t width) {
  return SaturatedBytes(2.0 * static_cast<double>(virtual_layers) * static_cast<double>(context) *
                        static_cast<double>(width) * static_cast<double>(KvCacheElementBytes(f)));
}

int64_t SaturatedBytes(double bytes) { return static_cast<int64_t>(std::min(bytes, 0x1p60)); }

KvCache::KvCache(KvCacheFormat format, int64_t virtual_layers, int64_t context, int64_t width)
    : format_(format), layers_(virtual_layers), context_(context), width_(width) {
  const size_t bytes = static_cast<size_t>(KvCacheBytes(format, virtual_layers, context, width) / 2);
  k_.reset(new std::byte[bytes]);
  v_.reset(new std::byte[bytes]);
}

void KvCache::Store(const KernelTable& kernels, int layer, int64_t pos, int64_t tokens, const float* k,
                    const float* v) {
  ELASTIQ_ASSERT(layer >= 0 && layer < layers_ && pos >= 0 && pos + tokens <= context_,
                 "KV cache position out of range");
  const int64_t offset = Offset(layer, pos, 0), n = tokens * width_;
  if (format_ == KvCacheFormat::kF16) {
    kernels.cvt_f32f16(k, n, Elements<uint16_t>(k_) + offset);
    kernels.cvt_f32f16(v, n, Elements<uint16_t>(v_) + offset);
  } else {
    std::copy_n(k, n, Elements<float>(k_) + offset);
    std::copy_n(v, n, Elements<float>(v_) + offset);
  }
}

void KvCache::Scores(const KernelTable& kernels, int layer, int64_t col, const float* q, int64_t heads, int64_t n,
                     int64_t keys, float* scores, int64_t scores_stride) const {
  const int64_t offset = Offset(layer, 0, col);
  if (format_ == KvCacheFormat::kF16) {
    kernels.attn_scores_f16(Elements<uint16_t>(k_) + offset, width_, q, heads, n, keys, scores, scores_stride);
  } else {
    kernels.attn_scores_f32(Elements<float>(k_) + offset, width_, q, heads, n, keys, scores, scores_stride);
  }
}

void KvCache::AccumulateValues(const KernelTable& kernels, int layer, int64_t col, const float* p, int64_t p_stride,
                               int64_t heads, int64_t keys, float* out, int64_t n) const {
  const int64_t offset = Offset(layer, 0, col);
  if (format_ == KvCacheFormat::kF16) {
    kernels.attn_values_f16(Elements<uint16_t>(v_) + offset, width_, p, p_stride, heads, keys, out, n);
  } else {
    kernels.attn_values_f32(Elements<float>(v_) + offset, width_, p, p_stride, heads, keys, out, n);
  }
}

}  // namespace elastiq
