// AVX-512 GEMV over fp32 rows, y = W x: four rows per pass share each 16-wide load of x, their sums
// reduced together (Sum4); masked tail, no scalar loop.
#include <immintrin.h>

#include "src/kernels/avx512/lanes.h"
#include "src/kernels/kernels.h"

namespace elastiq {

using namespace avx512;

void gemv_f32__avx512(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y, int64_t row_begin,
                      int64_t row_end) {
  const int64_t vec_cols = cols & ~int64_t{15};
  const __mmask16 tail = FirstLanes(cols - vec_cols);
  int64_t r = row_begin;
  for (; r + 4 <= row_end; r += 4) {
    const float* rows[4] = {w + r * w_stride, w + (r + 1) * w_stride, w + (r + 2) * w_stride, w + (r + 3) * w_stride};
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (int64_t k = 0; k < vec_cols; k += 16) {
      const __m512 xv = _mm512_loadu_ps(x + k);
      for (int i = 0; i < 4; ++i) acc[i] = _mm512_fmadd_ps(_mm512_loadu_ps(rows[i] + k), xv, acc[i]);
    }
    if (tail) {
      const __m512 xv = _mm512_maskz_loadu_ps(tail, x + vec_cols);
      for (int i = 0; i < 4; ++i) acc[i] = _mm512_fmadd_ps(Load16(rows[i] + vec_cols, tail), xv, acc[i]);
    }
    _mm_storeu_ps(y + r, Sum4(acc));
  }
  for (; r < row_end; ++r) {
    const float* row = w + r * w_stride;
    __m512 acc = _mm512_setzero_ps();
    for (int64_t k = 0; k < vec_cols; k += 16)
      acc = _mm512_fmadd_ps(_mm512_loadu_ps(row + k), _mm512_loadu_ps(x + k), acc);
    if (tail) acc = _mm512_fmadd_ps(Load16(row + vec_cols, tail), _mm512_maskz_loadu_ps(tail, x + vec_cols), acc);
    y[r] = ReduceAdd(acc);
  }
}

}  // namespace elastiq
