// AVX-512 exp (exp_poly.h; 2^n applied with vscalefps) and the kernels built on it: attention's
// softmax and the FFN's SwiGLU, 16 lanes a step with a masked tail.
#include <immintrin.h>

#include <cmath>

#include "src/kernels/avx512/lanes.h"
#include "src/kernels/exp_poly.h"
#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

using namespace avx512;

inline __m512 Exp(__m512 x) {
  using namespace exp_poly;
  x = _mm512_maskz_min_ps(kAll, Max(x, _mm512_set1_ps(kExpMin)), _mm512_set1_ps(kExpMax));
  const __m512 n = _mm512_maskz_roundscale_ps(kAll, _mm512_mul_ps(x, _mm512_set1_ps(kLog2e)),
                                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Hi), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Lo), r);
  __m512 p = _mm512_set1_ps(kP[0]);
  for (int i = 1; i < 6; ++i) p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP[i]));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_maskz_scalef_ps(kAll, p, n);
}

}  // namespace

void softmax_f32__avx512(float* x, int64_t n, float scale) {
  const __m512 s = _mm512_set1_ps(scale);
  const int64_t vec = n & ~int64_t{15};
  const __mmask16 tail = FirstLanes(n & 15);
  __m512 max16 = _mm512_set1_ps(-INFINITY);
  for (int64_t i = 0; i < vec; i += 16) max16 = Max(max16, _mm512_mul_ps(_mm512_loadu_ps(x + i), s));
  if (tail) max16 = _mm512_mask_max_ps(max16, tail, max16, _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, x + vec), s));
  const __m512 m = _mm512_set1_ps(ReduceMax(max16));
  __m512 sum16 = _mm512_setzero_ps();
  for (int64_t i = 0; i < vec; i += 16) {
    const __m512 e = Exp(_mm512_fmsub_ps(_mm512_loadu_ps(x + i), s, m));
    _mm512_storeu_ps(x + i, e);
    sum16 = _mm512_add_ps(sum16, e);
  }
  if (tail) {
    const __m512 e = Exp(_mm512_fmsub_ps(_mm512_maskz_loadu_ps(tail, x + vec), s, m));
    _mm512_mask_storeu_ps(x + vec, tail, e);
    sum16 = _mm512_mask_add_ps(sum16, tail, sum16, e);
  }
  const __m512 inv = _mm512_set1_ps(1.0f / ReduceAdd(sum16));
  for (int64_t i = 0; i < vec; i += 16) _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), inv));
  if (tail) _mm512_mask_storeu_ps(x + vec, tail, _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, x + vec), inv));
}

void swiglu_f32__avx512(float* gate, const float* up, int64_t n) {
  const __m512 one = _mm512_set1_ps(1.0f);
  auto silu_mul = [&](__m512 g, __m512 u) {
    return _mm512_mul_ps(_mm512_div_ps(g, _mm512_add_ps(one, Exp(_mm512_sub_ps(_mm512_setzero_ps(), g)))), u);
  };
  const int64_t vec = n & ~int64_t{15};
  for (int64_t i = 0; i < vec; i += 16) {
    _mm512_storeu_ps(gate + i, silu_mul(_mm512_loadu_ps(gate + i), _mm512_loadu_ps(up + i)));
  }
  if (const __mmask16 tail = FirstLanes(n & 15)) {
    _mm512_mask_storeu_ps(gate + vec, tail,
                          silu_mul(_mm512_maskz_loadu_ps(tail, gate + vec), _mm512_maskz_loadu_ps(tail, up + vec)));
  }
}

}  // namespace elastiq
