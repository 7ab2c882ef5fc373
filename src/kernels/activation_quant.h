// Per-token activation quantization, computed at run time before each integer GEMM.
//   uint8 asymmetric (W8A8, MobileLLM): range [min(x, 0), max(x, 0)] (zero stays exact),
//     s = (max - min) / 255, zp = round(-min / s), q = clamp(round(x / s) + zp, 0, 255).
//   int8 symmetric absmax (ternary, BitNet b1.58): s = max|x| / 127, q = clamp(round(x / s), -127, 127).
// An all-zero row gets s = 1. Rounding is half to even (nearbyint), as torch.round.
#pragma once

#include <cstdint>

namespace elastiq {

// x: (tokens, cols) with row stride x_stride; q: (tokens, cols) dense.
void QuantizeActivationsU8(const float* x, int64_t x_stride, int64_t tokens, int64_t cols, uint8_t* q,
                           float* scale, int32_t* zero_point);
void QuantizeActivationsI8(const float* x, int64_t x_stride, int64_t tokens, int64_t cols, int8_t* q, float* scale);

}  // namespace elastiq
