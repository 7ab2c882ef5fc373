// Scalar reference GEMVs over fp32 or fp16 (uint16_t) rows, the oracles for the SIMD versions:
// y = W x (gemv) and the transposed, accumulating y += W^T x (gemvt).
#include "src/kernels/fp16.h"
#include "src/kernels/gemv_exports.h"
#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

template <typename T>
void Gemv(const T* w, int64_t w_stride, const float* x, int64_t cols, float* y, int64_t row_begin, int64_t row_end) {
  for (int64_t r = row_begin; r < row_end; ++r) {
    const T* row = w + r * w_stride;
    float acc = 0.0f;
    for (int64_t k = 0; k < cols; ++k) acc += AsF32(row[k]) * x[k];
    y[r] = acc;
  }
}

template <typename T>
void Gemvt(const T* w, int64_t w_stride, const float* x, int64_t rows, float* y, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = w + r * w_stride;
    for (int64_t c = 0; c < cols; ++c) y[c] += x[r] * AsF32(row[c]);
  }
}

}  // namespace

ELASTIQ_DEFINE_GEMV_KERNELS(scalar)

}  // namespace elastiq
