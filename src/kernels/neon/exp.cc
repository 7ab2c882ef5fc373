// NEON exp (exp_poly.h; 2^n built from its exponent bits) and the kernels built on it: attention's
// softmax and the FFN's SwiGLU, 4 lanes a step, the last n % 4 elements with std::exp.
#include <arm_neon.h>

#include <algorithm>
#include <cmath>

#include "src/kernels/exp_poly.h"
#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

inline float32x4_t Exp(float32x4_t x) {
  using namespace exp_poly;
  x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(kExpMin)), vdupq_n_f32(kExpMax));
  const float32x4_t n = vrndnq_f32(vmulq_n_f32(x, kLog2e));
  float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(kLn2Hi));  // x - n ln2_hi
  r = vfmsq_f32(r, n, vdupq_n_f32(kLn2Lo));
  float32x4_t p = vdupq_n_f32(kP[0]);
  for (int i = 1; i < 6; ++i) p = vfmaq_f32(vdupq_n_f32(kP[i]), p, r);  // kP[i] + p r
  p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.0f)), p, vmulq_f32(r, r));
  const int32x4_t pow2n = vshlq_n_s32(vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127)), 23);
  return vmulq_f32(p, vreinterpretq_f32_s32(pow2n));
}

}  // namespace

void softmax_f32__neon(float* x, int64_t n, float scale) {
  const int64_t vec = n & ~int64_t{3};
  float32x4_t max4 = vdupq_n_f32(-INFINITY);
  for (int64_t i = 0; i < vec; i += 4) max4 = vmaxq_f32(max4, vmulq_n_f32(vld1q_f32(x + i), scale));
  float max_value = vmaxvq_f32(max4);
  for (int64_t i = vec; i < n; ++i) max_value = std::max(max_value, x[i] * scale);
  const float32x4_t m = vdupq_n_f32(max_value);
  float32x4_t sum4 = vdupq_n_f32(0.0f);
  for (int64_t i = 0; i < vec; i += 4) {
    const float32x4_t e = Exp(vsubq_f32(vmulq_n_f32(vld1q_f32(x + i), scale), m));
    vst1q_f32(x + i, e);
    sum4 = vaddq_f32(sum4, e);
  }
  float sum = vaddvq_f32(sum4);
  for (int64_t i = vec; i < n; ++i) {
    x[i] = std::exp(x[i] * scale - max_value);
    sum += x[i];
  }
  const float inv_sum = 1.0f / sum;
  for (int64_t i = 0; i < vec; i += 4) vst1q_f32(x + i, vmulq_n_f32(vld1q_f32(x + i), inv_sum));
  for (int64_t i = vec; i < n; ++i) x[i] *= inv_sum;
}

void swiglu_f32__neon(float* gate, const float* up, int64_t n) {
  const int64_t vec = n & ~int64_t{3};
  for (int64_t i = 0; i < vec; i += 4) {
    const float32x4_t g = vld1q_f32(gate + i);
    const float32x4_t silu = vdivq_f32(g, vaddq_f32(vdupq_n_f32(1.0f), Exp(vnegq_f32(g))));
    vst1q_f32(gate + i, vmulq_f32(silu, vld1q_f32(up + i)));
  }
  swiglu_f32__scalar(gate + vec, up + vec, n - vec);
}

}  // namespace elastiq
