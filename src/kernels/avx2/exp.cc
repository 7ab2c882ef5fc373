// AVX2 exp (exp_poly.h; 2^n built from its exponent bits) and the kernels built on it: attention's
// softmax and the FFN's SwiGLU, 8 lanes a step, the last n % 8 elements with std::exp.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "src/kernels/avx2/lanes.h"
#include "src/kernels/exp_poly.h"
#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

using namespace avx2;

inline __m256 Exp(__m256 x) {
  using namespace exp_poly;
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(kExpMin)), _mm256_set1_ps(kExpMax));
  const __m256 n =
      _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), r);
  __m256 p = _mm256_set1_ps(kP[0]);
  for (int i = 1; i < 6; ++i) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP[i]));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i pow2n = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(pow2n));
}

}  // namespace

void softmax_f32__avx2(float* x, int64_t n, float scale) {
  const __m256 s = _mm256_set1_ps(scale);
  const int64_t vec = n & ~int64_t{7};
  __m256 max8 = _mm256_set1_ps(-INFINITY);
  for (int64_t i = 0; i < vec; i += 8) max8 = _mm256_max_ps(max8, _mm256_mul_ps(_mm256_loadu_ps(x + i), s));
  float max_value = ReduceMax(max8);
  for (int64_t i = vec; i < n; ++i) max_value = std::max(max_value, x[i] * scale);
  const __m256 m = _mm256_set1_ps(max_value);
  __m256 sum8 = _mm256_setzero_ps();
  for (int64_t i = 0; i < vec; i += 8) {
    const __m256 e = Exp(_mm256_fmsub_ps(_mm256_loadu_ps(x + i), s, m));
    _mm256_storeu_ps(x + i, e);
    sum8 = _mm256_add_ps(sum8, e);
  }
  float sum = ReduceAdd(sum8);
  for (int64_t i = vec; i < n; ++i) {
    x[i] = std::exp(x[i] * scale - max_value);
    sum += x[i];
  }
  const float inv_sum = 1.0f / sum;
  const __m256 inv = _mm256_set1_ps(inv_sum);
  for (int64_t i = 0; i < vec; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inv));
  for (int64_t i = vec; i < n; ++i) x[i] *= inv_sum;
}

void swiglu_f32__avx2(float* gate, const float* up, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const int64_t vec = n & ~int64_t{7};
  for (int64_t i = 0; i < vec; i += 8) {
    const __m256 g = _mm256_loadu_ps(gate + i);
    const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, Exp(_mm256_sub_ps(_mm256_setzero_ps(), g))));
    _mm256_storeu_ps(gate + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
  }
  swiglu_f32__scalar(gate + vec, up + vec, n - vec);
}

}  // namespace elastiq
