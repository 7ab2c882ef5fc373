// Scalar IEEE 754 binary16 (fp16) <-> binary32 conversion, bit-exact: round to nearest, ties to
// even; subnormals, infinities and NaNs (kept quiet, top payload bits kept) as F16C / Arm FCVT do.
// The reference for the fp16 kernels and their tails (the SIMD kernels convert in hardware), and
// the converter of the file formats (GGUF, safetensors).
#pragma once

#include <bit>
#include <cstdint>

namespace elastiq {

inline uint16_t F32ToF16(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  x &= 0x7fffffffu;
  if (x >= 0x7f800000u) {  // infinity, or NaN: quiet, with the payload's top 9 bits
    return x == 0x7f800000u ? static_cast<uint16_t>(sign | 0x7c00u)
                            : static_cast<uint16_t>(sign | 0x7e00u | ((x >> 13) & 0x3ffu));
  }
  // 65520 = 0x477ff000 is halfway between the largest half, 65504, and 2^16: ties go to the even
  // significand, which is 2^16, so from there on the result is infinity.
  if (x >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);
  uint32_t h, rem, halfway;
  if (x >= 0x38800000u) {  // >= 2^-14: a normal half; rebias the exponent by 127 - 15 = 112
    h = (x - 0x38000000u) >> 13;
    rem = x & 0x1fffu;
    halfway = 0x1000u;
  } else {  // a subnormal half m x 2^-24, m = significand x 2^(exponent - 126)
    const uint32_t exponent = x >> 23;
    if (exponent < 102) return sign;  // below 2^-25: rounds to zero
    const uint32_t significand = (x & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - exponent;  // 14..24
    h = significand >> shift;
    rem = significand & ((1u << shift) - 1u);
    halfway = 1u << (shift - 1);
  }
  if (rem > halfway || (rem == halfway && (h & 1u))) ++h;  // a carry moves into the exponent: right
  return static_cast<uint16_t>(sign | h);
}

inline float F16ToF32(uint16_t h) {
  const uint32_t sign = uint32_t{h & 0x8000u} << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
  if (exponent == 0) {  // zero or subnormal: mantissa x 2^-24, exact in fp32
    const float v = static_cast<float>(mantissa) * 0x1p-24f;
    return sign ? -v : v;
  }
  if (exponent == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));  // inf, NaN
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

// Element reads for kernels templated over the stored type (fp32, or fp16 as uint16_t).
inline float AsF32(float v) { return v; }
inline float AsF32(uint16_t h) { return F16ToF32(h); }

}  // namespace elastiq
