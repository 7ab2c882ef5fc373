// NEON GEMV over fp32 rows, y = W x: four rows at a time share each load of x, their sums reduced
// together (Sum4); 4-wide FMAs, scalar tail.
#include <arm_neon.h>

#include "src/kernels/kernels.h"
#include "src/kernels/neon/lanes.h"

namespace elastiq {

using namespace neon;

void gemv_f32__neon(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y, int64_t row_begin,
                    int64_t row_end) {
  const int64_t vec_cols = cols & ~int64_t{3};
  int64_t r = row_begin;
  for (; r + 4 <= row_end; r += 4) {
    const float* rows[4] = {w + r * w_stride, w + (r + 1) * w_stride, w + (r + 2) * w_stride, w + (r + 3) * w_stride};
    float32x4_t acc[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
    for (int64_t k = 0; k < vec_cols; k += 4) {
      const float32x4_t xv = vld1q_f32(x + k);
      for (int i = 0; i < 4; ++i) acc[i] = vfmaq_f32(acc[i], vld1q_f32(rows[i] + k), xv);
    }
    vst1q_f32(y + r, Sum4(acc));
    for (int64_t k = vec_cols; k < cols; ++k) {
      for (int i = 0; i < 4; ++i) y[r + i] += rows[i][k] * x[k];
    }
  }
  for (; r < row_end; ++r) {
    const float* row = w + r * w_stride;
    float32x4_t acc = vdupq_n_f32(0);
    for (int64_t k = 0; k < vec_cols; k += 4) acc = vfmaq_f32(acc, vld1q_f32(row + k), vld1q_f32(x + k));
    float s = vaddvq_f32(acc);
    for (int64_t k = vec_cols; k < cols; ++k) s += row[k] * x[k];
    y[r] = s;
  }
}

}  // namespace elastiq
