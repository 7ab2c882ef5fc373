// F16C fp32 -> fp16 conversion, 8 values per _mm256_cvtps_ph with round to nearest even (the same
// rounding, subnormals and NaN quieting as F32ToF16); scalar tail.
#include <immintrin.h>

#include "src/core/fp16.h"
#include "src/kernels/kernels.h"

namespace elastiq {

void cvt_f32f16__avx2(const float* src, int64_t n, uint16_t* dst) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), h);
  }
  for (; i < n; ++i) dst[i] = F32ToF16(src[i]);
}

}  // namespace elastiq
