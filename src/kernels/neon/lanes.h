// NEON helpers shared by the kernel files: 4-lane loads of fp32 or fp16 (widened) elements and four
// lane sums at once.
#pragma once

#include <arm_neon.h>

#include <cstdint>

namespace elastiq::neon {

inline float32x4_t Load4(const float* p) { return vld1q_f32(p); }
inline float32x4_t Load4(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }

// {sum of a[0], sum of a[1], sum of a[2], sum of a[3]} with two pairwise-add levels.
inline float32x4_t Sum4(const float32x4_t a[4]) { return vpaddq_f32(vpaddq_f32(a[0], a[1]), vpaddq_f32(a[2], a[3])); }

}  // namespace elastiq::neon
