// Scalar references of the kernels built on exp: attention's softmax and the FFN's SwiGLU (std::exp,
// the engine's own arithmetic before these kernels existed).
#include <algorithm>
#include <cmath>

#include "src/kernels/kernels.h"

namespace elastiq {

void softmax_f32__scalar(float* x, int64_t n, float scale) {
  float max_value = -INFINITY;
  for (int64_t i = 0; i < n; ++i) {
    x[i] *= scale;
    max_value = std::max(max_value, x[i]);
  }
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max_value);
    sum += x[i];
  }
  const float inv_sum = 1.0f / sum;
  for (int64_t i = 0; i < n; ++i) x[i] *= inv_sum;
}

void swiglu_f32__scalar(float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

}  // namespace elastiq
