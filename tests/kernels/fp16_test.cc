// The scalar fp16 <-> fp32 conversions (src/core/fp16.h) against known bit patterns: rounding to
// nearest even at normal and subnormal ties, overflow to infinity, signed zeros, NaNs; every half
// survives the round trip; and the check of the fp32 -> fp16 kernels of every ISA (bit for bit).
#include "src/core/fp16.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "tests/kernels/kernel_checks.h"

namespace elastiq {
namespace {

float Bits(uint32_t b) { return std::bit_cast<float>(b); }

TEST(Fp16, KnownBitPatterns) {
  struct Case {
    float f;
    uint16_t h;
  };
  const float inf = std::numeric_limits<float>::infinity();
  for (Case c : {Case{0.0f, 0x0000},
                 {-0.0f, 0x8000},
                 {1.0f, 0x3c00},
                 {-2.0f, 0xc000},
                 {0.5f, 0x3800},
                 {0.1f, 0x2e66},
                 {1.0f / 3.0f, 0x3555},
                 {-1.0f / 3.0f, 0xb555},
                 {65504.0f, 0x7bff},           // the largest half
                 {Bits(0x477fefffu), 0x7bff},  // just under 65520 rounds down
                 {65520.0f, 0x7c00},           // the tie above 65504 goes to even: infinity
                 {1e10f, 0x7c00},
                 {-1e10f, 0xfc00},
                 {inf, 0x7c00},
                 {-inf, 0xfc00},
                 {0x1p-14f, 0x0400},            // the smallest normal
                 {1023.0f * 0x1p-24f, 0x03ff},  // the largest subnormal
                 {0x1p-24f, 0x0001},            // the smallest subnormal
                 {0x1p-25f, 0x0000},            // tie between 0 and 2^-24: even, 0
                 {Bits(0x33000001u), 0x0001},   // just above that tie
                 {1.5f * 0x1p-24f, 0x0002},     // subnormal tie 1.5 -> 2 (even)
                 {2.5f * 0x1p-24f, 0x0002},     // subnormal tie 2.5 -> 2 (even)
                 {-3.5f * 0x1p-24f, 0x8004},    // subnormal tie 3.5 -> 4 (even), negative
                 {Bits(0x387fe000u), 0x0400},   // 1023.5 x 2^-24 rounds up into the smallest normal
                 {1e-9f, 0x0000},
                 {Bits(0x00000001u), 0x0000},                 // fp32 subnormals vanish
                 {1.0f + 0x1p-11f, 0x3c00},                   // normal tie, 1 is even
                 {1.0f + 3 * 0x1p-11f, 0x3c02},               // normal tie, 1 + 2^-10 is odd: up
                 {1.0f + 0x1p-11f + 0x1p-23f, 0x3c01},        // just past the tie
                 {2047.0f * 0x1p-11f + 0x1p-12f, 0x3c00}}) {  // carries into the exponent: 1.0
    EXPECT_EQ(F32ToF16(c.f), c.h) << std::hexfloat << c.f;
  }
  // NaNs stay NaNs, quiet, sign and top payload bits kept.
  EXPECT_EQ(F32ToF16(Bits(0x7fc00000u)), 0x7e00);
  EXPECT_EQ(F32ToF16(Bits(0xffc00000u)), 0xfe00);
  EXPECT_EQ(F32ToF16(Bits(0x7f800001u)), 0x7e00);  // signalling, payload below fp16's: quiet NaN
  EXPECT_EQ(F32ToF16(Bits(0x7fa02000u)), 0x7f01);  // signalling with payload: quieted, payload kept

  EXPECT_EQ(F16ToF32(0x3555), 0.333251953125f);
  EXPECT_EQ(F16ToF32(0x7bff), 65504.0f);
  EXPECT_EQ(F16ToF32(0x0001), 0x1p-24f);
  EXPECT_EQ(F16ToF32(0x03ff), 1023.0f * 0x1p-24f);
  EXPECT_EQ(F16ToF32(0x0400), 0x1p-14f);
  EXPECT_EQ(F16ToF32(0xc000), -2.0f);
  EXPECT_EQ(std::bit_cast<uint32_t>(F16ToF32(0x8000)), 0x80000000u);  // -0
  EXPECT_EQ(F16ToF32(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(F16ToF32(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_EQ(std::bit_cast<uint32_t>(F16ToF32(0x7e01)), 0x7fc02000u);  // NaN payload kept
}

TEST(Fp16, EveryHalfSurvivesTheRoundTrip) {
  for (uint32_t h = 0; h <= 0xffffu; ++h) {
    const float f = F16ToF32(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_EQ(F32ToF16(f), h | 0x0200u) << std::hex << h;  // quieted
    } else {
      ASSERT_EQ(F32ToF16(f), h) << std::hex << h;
    }
  }
}

TEST(Fp16, RoundsToTheNearestHalf) {
  // Between two consecutive finite halves a < b, every fp32 value rounds to the nearer one.
  std::mt19937 rng(5);
  for (int i = 0; i < 200000; ++i) {
    const uint16_t a = static_cast<uint16_t>(rng() % 0x7bffu);  // positive finite, not the largest
    const float lo = F16ToF32(a), hi = F16ToF32(static_cast<uint16_t>(a + 1));
    const float f = lo + (hi - lo) * std::uniform_real_distribution<float>(0.0f, 1.0f)(rng);
    const uint16_t h = F32ToF16(f);
    const float d_lo = f - lo, d_hi = hi - f;
    if (d_lo < d_hi) {
      ASSERT_EQ(h, a) << std::hexfloat << f;
    } else if (d_hi < d_lo) {
      ASSERT_EQ(h, a + 1) << std::hexfloat << f;
    } else {
      ASSERT_EQ(h & 1u, 0u) << std::hexfloat << f;
    }
  }
}

}  // namespace

// The fp32 -> fp16 kernels equal the scalar one bit for bit (kernel_list_test.cc runs it per ISA).
void Check_cvt_f32f16(CvtF32F16* cvt) {
  // Every kind of fp32 value: uniformly random bit patterns (NaNs, infinities, subnormals, huge and
  // tiny), values in the half range, exact ties, then the odd lengths that exercise the tails.
  std::mt19937 rng(3);
  std::vector<float> src;
  for (int i = 0; i < 100000; ++i) src.push_back(Bits(static_cast<uint32_t>(rng())));
  std::uniform_real_distribution<float> u(-70000.0f, 70000.0f);
  for (int i = 0; i < 100000; ++i) src.push_back(u(rng) * (i % 2 ? 1.0f : 0x1p-20f));
  for (uint32_t h = 0; h < 0x7c00u; h += 7)
    src.push_back(0.5f * (F16ToF32(static_cast<uint16_t>(h)) + F16ToF32(static_cast<uint16_t>(h + 1))));
  for (size_t n :
       {src.size(), size_t{1}, size_t{3}, size_t{7}, size_t{8}, size_t{15}, size_t{17}, size_t{31}, size_t{33}}) {
    std::vector<uint16_t> want(n + 1, 0xabcd), got(want);
    cvt_f32f16__scalar(src.data(), static_cast<int64_t>(n), want.data());
    cvt(src.data(), static_cast<int64_t>(n), got.data());
    for (size_t i = 0; i < n; ++i)
      ASSERT_EQ(got[i], want[i]) << "n " << n << " i " << i << " bits " << std::hex << std::bit_cast<uint32_t>(src[i]);
    EXPECT_EQ(got[n], 0xabcd) << "wrote past n " << n;
  }
}

}  // namespace elastiq
