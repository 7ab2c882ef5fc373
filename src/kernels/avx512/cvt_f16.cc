// AVX-512 fp32 -> fp16 conversion, 16 values per _mm512_cvtps_ph with round to nearest even (the
// same rounding, subnormals and NaN quieting as F32ToF16); a masked tail. Zero-masking forms with
// every lane set: see lanes.h.
#include <immintrin.h>

#include "src/kernels/avx512/lanes.h"
#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;

}  // namespace

void cvt_f32f16__avx512(const float* src, int64_t n, uint16_t* dst) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i h = _mm512_maskz_cvtps_ph(avx512::kAll, _mm512_loadu_ps(src + i), kRound);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), h);
  }
  if (i == n) return;
  const __mmask16 tail = static_cast<__mmask16>((1u << (n - i)) - 1u);
  const __m512 x = _mm512_maskz_loadu_ps(tail, src + i);
  const __m256i h = _mm512_maskz_cvtps_ph(avx512::kAll, x, kRound);
  _mm512_mask_storeu_epi16(dst + i, static_cast<__mmask32>(tail), _mm512_castsi256_si512(h));
}

}  // namespace elastiq
