// AVX2+FMA GEMV over fp32 rows, y = W x: four rows at a time share each load of x, their sums reduced
// together (Sum4); 8-wide FMAs, scalar tail.
#include <immintrin.h>

#include "src/kernels/avx2/lanes.h"
#include "src/kernels/kernels.h"

namespace elastiq {

using namespace avx2;

void gemv_f32__avx2(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y, int64_t row_begin,
                    int64_t row_end) {
  const int64_t vec_cols = cols & ~int64_t{7};
  int64_t r = row_begin;
  for (; r + 4 <= row_end; r += 4) {
    const float* rows[4] = {w + r * w_stride, w + (r + 1) * w_stride, w + (r + 2) * w_stride, w + (r + 3) * w_stride};
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t k = 0; k < vec_cols; k += 8) {
      const __m256 xv = _mm256_loadu_ps(x + k);
      for (int i = 0; i < 4; ++i) acc[i] = _mm256_fmadd_ps(_mm256_loadu_ps(rows[i] + k), xv, acc[i]);
    }
    _mm_storeu_ps(y + r, Sum4(acc));
    for (int64_t k = vec_cols; k < cols; ++k) {
      for (int i = 0; i < 4; ++i) y[r + i] += rows[i][k] * x[k];
    }
  }
  for (; r < row_end; ++r) {
    const float* row = w + r * w_stride;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t k = 0; k < vec_cols; k += 8)
      acc = _mm256_fmadd_ps(_mm256_loadu_ps(row + k), _mm256_loadu_ps(x + k), acc);
    float s = ReduceAdd(acc);
    for (int64_t k = vec_cols; k < cols; ++k) s += row[k] * x[k];
    y[r] = s;
  }
}

}  // namespace elastiq
