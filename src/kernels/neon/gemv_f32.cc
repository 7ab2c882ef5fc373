// NEON fp32 GEMV: four rows at a time share each load of x; 4-wide FMAs, scalar tail.
#include <arm_neon.h>

#include "src/kernels/kernels.h"

namespace elastiq {

void gemv_f32__neon(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y,
                    int64_t row_begin, int64_t row_end) {
  const int64_t vec_cols = cols & ~int64_t{3};
  int64_t r = row_begin;
  for (; r + 4 <= row_end; r += 4) {
    const float* rows[4] = {w + r * w_stride, w + (r + 1) * w_stride, w + (r + 2) * w_stride, w + (r + 3) * w_stride};
    float32x4_t a[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
    for (int64_t k = 0; k < vec_cols; k += 4) {
      const float32x4_t xv = vld1q_f32(x + k);
      for (int i = 0; i < 4; ++i) a[i] = vfmaq_f32(a[i], vld1q_f32(rows[i] + k), xv);
    }
    for (int i = 0; i < 4; ++i) {
      float s = vaddvq_f32(a[i]);
      for (int64_t k = vec_cols; k < cols; ++k) s += rows[i][k] * x[k];
      y[r + i] = s;
    }
  }
  for (; r < row_end; ++r) {
    const float* row = w + r * w_stride;
    float32x4_t a = vdupq_n_f32(0);
    for (int64_t k = 0; k < vec_cols; k += 4) a = vfmaq_f32(a, vld1q_f32(row + k), vld1q_f32(x + k));
    float s = vaddvq_f32(a);
    for (int64_t k = vec_cols; k < cols; ++k) s += row[k] * x[k];
    y[r] = s;
  }
}

}  // namespace elastiq
