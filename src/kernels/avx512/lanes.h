// AVX-512 helpers shared by the kernel files: 16-lane loads of fp32 or fp16 (widened) elements, whole
// or the first n < 16, and lane reductions. GCC 12 warns (-Wmaybe-uninitialized) about the undefined
// pass-through operand of the unmasked max, min, roundscale, scalef, cvtph, extract, cast and reduce
// intrinsics;
// their zero-masking forms with every lane set (kAll) have none and compile to the same instructions.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace elastiq::avx512 {

constexpr __mmask16 kAll = 0xFFFF;

inline __m512 Load16(const float* p) { return _mm512_loadu_ps(p); }
inline __m512 Load16(const uint16_t* p) {
  return _mm512_maskz_cvtph_ps(kAll, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
// The first n < 16 elements (the others 0); masked loads do not touch the memory past them.
inline __m512 Load16(const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
inline __m512 Load16(const uint16_t* p, __mmask16 m) {
  const __m512i halves = _mm512_maskz_loadu_epi16(static_cast<__mmask32>(m), p);
  return _mm512_maskz_cvtph_ps(kAll, _mm512_maskz_extracti64x4_epi64(0xF, halves, 0));
}
inline __mmask16 FirstLanes(int64_t n) { return static_cast<__mmask16>((1u << n) - 1u); }  // n in [0, 16)

inline __m512 Max(__m512 a, __m512 b) { return _mm512_maskz_max_ps(kAll, a, b); }

// Lanes 0-7 or 8-15.
inline __m256 Half(__m512 a, int high) {
  return _mm256_castpd_ps(high ? _mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(a), 1)
                               : _mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(a), 0));
}
// The low and high 8 lanes added.
inline __m256 AddHalves(__m512 a) { return _mm256_add_ps(Half(a, 0), Half(a, 1)); }

inline float ReduceAdd(__m512 a) {
  const __m256 s8 = AddHalves(a);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

inline float ReduceMax(__m512 a) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, a);
  float m = lanes[0];
  for (int i = 1; i < 16; ++i) m = m > lanes[i] ? m : lanes[i];
  return m;
}

// {sum of a[0], sum of a[1], sum of a[2], sum of a[3]}: four reductions sharing their shuffles.
inline __m128 Sum4(const __m512 a[4]) {
  const __m256 s = _mm256_hadd_ps(_mm256_hadd_ps(AddHalves(a[0]), AddHalves(a[1])),
                                  _mm256_hadd_ps(AddHalves(a[2]), AddHalves(a[3])));
  return _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
}

}  // namespace elastiq::avx512
