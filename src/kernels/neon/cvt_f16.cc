// NEON fp32 -> fp16 conversion, 4 values per vcvt_f16_f32 (FCVTN, rounding per FPCR: to nearest
// even, as Linux leaves it; NaNs quieted as F32ToF16 does); scalar tail.
#include <arm_neon.h>

#include "src/core/fp16.h"
#include "src/kernels/kernels.h"

namespace elastiq {

void cvt_f32f16__neon(const float* src, int64_t n, uint16_t* dst) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1_u16(dst + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(src + i))));
  for (; i < n; ++i) dst[i] = F32ToF16(src[i]);
}

}  // namespace elastiq
