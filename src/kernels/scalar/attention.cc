// Scalar reference attention kernels over fp32 or fp16 (uint16_t) cached rows, the oracles for the
// SIMD versions: scores q_h . k_j and the accumulation out_h += sum_j p_hj v_j, one head at a time.
#include "src/core/fp16.h"
#include "src/kernels/attention_exports.h"
#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

template <int kHeads, typename T>
void ScoresHeads(const T* k, int64_t stride, const float* q, int64_t n, int64_t keys, float* s, int64_t s_stride) {
  for (int h = 0; h < kHeads; ++h) {
    for (int64_t j = 0; j < keys; ++j) {
      const T* row = k + j * stride;
      float acc = 0.0f;
      for (int64_t c = 0; c < n; ++c) acc += AsF32(row[c]) * q[h * n + c];
      s[h * s_stride + j] = acc;
    }
  }
}

template <int kHeads, typename T>
void ValuesHeads(const T* v, int64_t stride, const float* p, int64_t p_stride, int64_t keys, float* out, int64_t n) {
  for (int h = 0; h < kHeads; ++h) {
    for (int64_t j = 0; j < keys; ++j) {
      const T* row = v + j * stride;
      for (int64_t c = 0; c < n; ++c) out[h * n + c] += p[h * p_stride + j] * AsF32(row[c]);
    }
  }
}

}  // namespace

ELASTIQ_DEFINE_ATTENTION_KERNELS(scalar, 1)

}  // namespace elastiq
