// The constants of the SIMD exp (src/kernels/*/exp.cc): exp(x) = 2^n exp(r) with n = round(x log2 e) and
// r = x - n ln 2 (ln 2 split in two for precision), exp(r) ~ 1 + r + r^2 P(r) with P of degree 5 (the
// Cephes expf minimax coefficients; about 2 ulp). x is clamped to [kExpMin, kExpMax] first, so 2^n stays
// a normal float (n in [-126, 127]) and can be built from its exponent bits.
#pragma once

namespace elastiq::exp_poly {

inline constexpr float kExpMin = -87.33654f;  // ln(2^-126)
inline constexpr float kExpMax = 88.0f;       // n = 127 at most
inline constexpr float kLog2e = 1.44269504088896341f;
inline constexpr float kLn2Hi = 0.693359375f;
inline constexpr float kLn2Lo = -2.12194440e-4f;
inline constexpr float kP[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                                4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};

}  // namespace elastiq::exp_poly
