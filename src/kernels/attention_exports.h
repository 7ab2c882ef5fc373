// The four exported attention kernels of one ISA file, attn_scores_f32/_f16 and attn_values_f32/_f16
// __<isa> (declared in kernels.h): the query heads of a KV group go through the file's own
// ScoresHeads<kHeads> and ValuesHeads<kHeads> templates in chunks of at most kMaxHeads, the number
// of heads whose accumulators fit the ISA's registers. Expand ELASTIQ_DEFINE_ATTENTION_KERNELS(isa, max)
// in namespace elastiq after those templates.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "src/core/fp16.h"

namespace elastiq::attention_detail {

// f(std::integral_constant<int, count>{}) for the given count in [1, kCount].
template <int kCount, typename F>
void WithCount(int64_t count, F& f) {
  if constexpr (kCount > 1) {
    if (count < kCount) return WithCount<kCount - 1>(count, f);
  }
  f(std::integral_constant<int, kCount>{});
}

// f(heads_in_chunk as an integral_constant, first_head) over chunks of at most kMax heads.
template <int kMax, typename F>
void ForHeadChunks(int64_t heads, F&& f) {
  for (int64_t h = 0; h < heads; h += kMax) {
    auto call = [&](auto count) { f(count, h); };
    WithCount<kMax>(std::min<int64_t>(kMax, heads - h), call);
  }
}

// Columns [c, n) of the values kernel one at a time, for the ISAs without masked loads:
// out[h * n + c] += sum_j p[h * p_stride + j] v_j[c].
template <int kHeads, typename T>
void ValuesColumnsOneByOne(const T* v, int64_t stride, const float* p, int64_t p_stride, int64_t keys, float* out,
                           int64_t c, int64_t n) {
  for (; c < n; ++c) {
    for (int h = 0; h < kHeads; ++h) {
      float acc = out[h * n + c];
      for (int64_t j = 0; j < keys; ++j) acc += p[h * p_stride + j] * AsF32(v[j * stride + c]);
      out[h * n + c] = acc;
    }
  }
}

}  // namespace elastiq::attention_detail

#define ELASTIQ_DEFINE_ATTENTION_KERNEL_PAIR(isa, max_heads, type, elem)                                           \
  void attn_scores_##type##__##isa(const elem* k, int64_t stride, const float* q, int64_t heads, int64_t n,        \
                                   int64_t keys, float* s, int64_t s_stride) {                                     \
    attention_detail::ForHeadChunks<max_heads>(heads, [&](auto count, int64_t h) {                                 \
      ScoresHeads<decltype(count)::value>(k, stride, q + h * n, n, keys, s + h * s_stride, s_stride);              \
    });                                                                                                            \
  }                                                                                                                \
  void attn_values_##type##__##isa(const elem* v, int64_t stride, const float* p, int64_t p_stride, int64_t heads, \
                                   int64_t keys, float* out, int64_t n) {                                          \
    attention_detail::ForHeadChunks<max_heads>(heads, [&](auto count, int64_t h) {                                 \
      ValuesHeads<decltype(count)::value>(v, stride, p + h * p_stride, p_stride, keys, out + h * n, n);            \
    });                                                                                                            \
  }

#define ELASTIQ_DEFINE_ATTENTION_KERNELS(isa, max_heads)           \
  ELASTIQ_DEFINE_ATTENTION_KERNEL_PAIR(isa, max_heads, f32, float) \
  ELASTIQ_DEFINE_ATTENTION_KERNEL_PAIR(isa, max_heads, f16, uint16_t)
