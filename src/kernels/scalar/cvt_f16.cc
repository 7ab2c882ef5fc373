// Scalar reference fp32 -> fp16 conversion (round to nearest even, fp16.h): what the SIMD versions
// must match bit for bit.
#include "src/core/fp16.h"
#include "src/kernels/kernels.h"

namespace elastiq {

void cvt_f32f16__scalar(const float* src, int64_t n, uint16_t* dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] = F32ToF16(src[i]);
}

}  // namespace elastiq
