// AVX2+FMA fp32 GEMV: four rows at a time share each load of x; 8-wide FMAs, scalar tail.
#include <immintrin.h>

#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

inline float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

}  // namespace

void gemv_f32__avx2(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y,
                    int64_t row_begin, int64_t row_end) {
  const int64_t vec_cols = cols & ~int64_t{7};
  int64_t r = row_begin;
  for (; r + 4 <= row_end; r += 4) {
    const float* w0 = w + r * w_stride;
    const float* w1 = w0 + w_stride;
    const float* w2 = w1 + w_stride;
    const float* w3 = w2 + w_stride;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    for (int64_t k = 0; k < vec_cols; k += 8) {
      __m256 xv = _mm256_loadu_ps(x + k);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + k), xv, a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + k), xv, a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + k), xv, a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + k), xv, a3);
    }
    float s0 = HorizontalSum(a0), s1 = HorizontalSum(a1), s2 = HorizontalSum(a2), s3 = HorizontalSum(a3);
    for (int64_t k = vec_cols; k < cols; ++k) {
      s0 += w0[k] * x[k];
      s1 += w1[k] * x[k];
      s2 += w2[k] * x[k];
      s3 += w3[k] * x[k];
    }
    y[r] = s0;
    y[r + 1] = s1;
    y[r + 2] = s2;
    y[r + 3] = s3;
  }
  for (; r < row_end; ++r) {
    const float* row = w + r * w_stride;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t k = 0; k < vec_cols; k += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(row + k), _mm256_loadu_ps(x + k), acc);
    float s = HorizontalSum(acc);
    for (int64_t k = vec_cols; k < cols; ++k) s += row[k] * x[k];
    y[r] = s;
  }
}

}  // namespace elastiq
