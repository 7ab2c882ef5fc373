// AVX-512 helpers shared by the kernel files: 16-lane loads of fp32 or fp16 (widened) elements, whole
// or the first n < 16, and lane reductions (the two 8-lane halves combined, then avx2/lanes.h's).
// GCC 12 warns (-Wmaybe-uninitialized) about the undefined pass-through operand of the unmasked max,
// min, roundscale, scalef, cvtph, extract, cast and reduce intrinsics; their zero-masking forms with
// every lane set (kAll) have none and compile to the same instructions.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "src/kernels/avx2/lanes.h"

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

// Lanes 0-7 (kHalf 0) or 8-15 (kHalf 1).
template <int kHalf>
inline __m256 Half(__m512 a) {
  return _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(a), kHalf));
}
// The low and high 8 lanes added.
inline __m256 AddHalves(__m512 a) { return _mm256_add_ps(Half<0>(a), Half<1>(a)); }

inline float ReduceAdd(__m512 a) { return avx2::ReduceAdd(AddHalves(a)); }
inline float ReduceMax(__m512 a) { return avx2::ReduceMax(_mm256_max_ps(Half<0>(a), Half<1>(a))); }

// {sum of a[0], sum of a[1], sum of a[2], sum of a[3]}: four reductions sharing their shuffles.
inline __m128 Sum4(const __m512 a[4]) {
  const __m256 halves[4] = {AddHalves(a[0]), AddHalves(a[1]), AddHalves(a[2]), AddHalves(a[3])};
  return avx2::Sum4(halves);
}

}  // namespace elastiq::avx512
