// Scalar reference GEMV over fp32 rows, the oracle for the SIMD versions: y = W x.
#include "src/kernels/kernels.h"

namespace elastiq {

void gemv_f32__scalar(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y, int64_t row_begin,
                      int64_t row_end) {
  for (int64_t r = row_begin; r < row_end; ++r) {
    const float* row = w + r * w_stride;
    float acc = 0.0f;
    for (int64_t k = 0; k < cols; ++k) acc += row[k] * x[k];
    y[r] = acc;
  }
}

}  // namespace elastiq
