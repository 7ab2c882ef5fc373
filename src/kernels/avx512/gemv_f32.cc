// AVX-512 fp32 GEMV: four rows per pass share each 16-wide load of x; masked tail, no scalar loop.
#include <immintrin.h>

#include "src/kernels/kernels.h"

namespace elastiq {

void gemv_f32__avx512(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y,
                      int64_t row_begin, int64_t row_end) {
  const int64_t vec_cols = cols & ~int64_t{15};
  const __mmask16 tail = static_cast<__mmask16>((1u << (cols - vec_cols)) - 1u);
  int64_t r = row_begin;
  for (; r + 4 <= row_end; r += 4) {
    const float* w0 = w + r * w_stride;
    const float* w1 = w0 + w_stride;
    const float* w2 = w1 + w_stride;
    const float* w3 = w2 + w_stride;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    for (int64_t k = 0; k < vec_cols; k += 16) {
      __m512 xv = _mm512_loadu_ps(x + k);
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + k), xv, a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(w1 + k), xv, a1);
      a2 = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + k), xv, a2);
      a3 = _mm512_fmadd_ps(_mm512_loadu_ps(w3 + k), xv, a3);
    }
    if (tail) {
      __m512 xv = _mm512_maskz_loadu_ps(tail, x + vec_cols);
      a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w0 + vec_cols), xv, a0);
      a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w1 + vec_cols), xv, a1);
      a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w2 + vec_cols), xv, a2);
      a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w3 + vec_cols), xv, a3);
    }
    y[r] = _mm512_reduce_add_ps(a0);
    y[r + 1] = _mm512_reduce_add_ps(a1);
    y[r + 2] = _mm512_reduce_add_ps(a2);
    y[r + 3] = _mm512_reduce_add_ps(a3);
  }
  for (; r < row_end; ++r) {
    const float* row = w + r * w_stride;
    __m512 acc = _mm512_setzero_ps();
    for (int64_t k = 0; k < vec_cols; k += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(row + k), _mm512_loadu_ps(x + k), acc);
    if (tail) acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, row + vec_cols), _mm512_maskz_loadu_ps(tail, x + vec_cols), acc);
    y[r] = _mm512_reduce_add_ps(acc);
  }
}

}  // namespace elastiq
