// The kernel table: one function pointer per operation, filled once for the selected ISA, and the
// declaration of every kernel of kernel_list.h. Every op has a __scalar reference (or one
// __generic version) that is always built; only the target's ISAs are built (x86-64: avx2,
// avx512; aarch64: neon).
#pragma once

#include <cstdint>
#include <type_traits>

#include "src/kernels/isa.h"
#include "src/kernels/kernel_list.h"

namespace elastiq {

// The operations' signatures, each with its contract. Kernel names and the rows of every ISA:
// kernel_list.h.

// y[r] = sum_k w[r * w_stride + k] * x[k] for r in [row_begin, row_end), k in [0, cols).
using GemvF32 = void(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y, int64_t row_begin,
                     int64_t row_end);
// Integer GEMM over the packed layout (src/kernels/packed_layout.h), for `tokens` activation rows:
// acc[t * acc_stride + r] = sum_{k < cols} x[t * x_stride + k] * W[r][k] for rows r in
// [row_begin, row_end) (multiples of 16, within rows_padded) and cols a multiple of 32.
// u8i8: x uint8 (asymmetric per-token activations), W int8 -> the raw sum (zero point not removed).
using GemmU8I8 = void(const int8_t* packed, int64_t rows_padded, const uint8_t* x, int64_t x_stride, int64_t tokens,
                      int64_t cols, int32_t* acc, int64_t acc_stride, int64_t row_begin, int64_t row_end);
// i8t2: x int8 (symmetric per-token activations), W ternary 2-bit -> the exact sum of x * w.
using GemmI8T2 = void(const uint8_t* packed, int64_t rows_padded, const int8_t* x, int64_t x_stride, int64_t tokens,
                      int64_t cols, int32_t* acc, int64_t acc_stride, int64_t row_begin, int64_t row_end);
// Grouped-query attention over one KV head's cached rows (`stride` elements apart, fp32 or IEEE fp16
// stored as uint16_t, src/core/fp16.h) for the `heads` query heads that share it, each cached row
// read once for all of them. The heads' queries q and outputs out are n-wide and contiguous.
// Scores: s[h * s_stride + j] = sum_{c < n} q[h * n + c] * k_j[c] for h < heads, j < keys.
template <typename T>
using AttnScores = void(const T* k, int64_t stride, const float* q, int64_t heads, int64_t n, int64_t keys, float* s,
                        int64_t s_stride);
// Values: out[h * n + c] += sum_{j < keys} p[h * p_stride + j] * v_j[c] for h < heads, c < n.
template <typename T>
using AttnValues = void(const T* v, int64_t stride, const float* p, int64_t p_stride, int64_t heads, int64_t keys,
                        float* out, int64_t n);
// dst[i] = fp16(src[i]) for i < n, rounded to nearest even: bit-exact with F32ToF16 on every ISA.
using CvtF32F16 = void(const float* src, int64_t n, uint16_t* dst);
// In place over x[0 : n), n >= 1: x[i] = exp(scale x[i] - m) / sum_j exp(scale x[j] - m) with
// m = max_j scale x[j]: one head's attention probabilities from its raw scores q . k_j.
using SoftmaxF32 = void(float* x, int64_t n, float scale);
// In place: gate[i] = silu(gate[i]) * up[i] = gate[i] / (1 + exp(-gate[i])) * up[i] for i < n (SwiGLU).
using SwigluF32 = void(float* gate, const float* up, int64_t n);
// Per-token activation quantization before each integer GEMM; x: (tokens, cols) with row stride
// x_stride, q: (tokens, cols) dense, one scale (and zero point) per token.
//   f32u8, asymmetric (W8A8, MobileLLM): range [min(x, 0), max(x, 0)] (zero stays exact),
//     s = (max - min) / 255, zp = round(-min / s), q = clamp(round(x / s) + zp, 0, 255).
//   f32i8, symmetric absmax (ternary, BitNet b1.58): s = max|x| / 127, q = clamp(round(x / s), -127, 127).
// An all-zero row gets s = 1. Rounding is half to even (nearbyint), as torch.round.
using QuantizeF32U8 = void(const float* x, int64_t x_stride, int64_t tokens, int64_t cols, uint8_t* q, float* scale,
                           int32_t* zero_point);
using QuantizeF32I8 = void(const float* x, int64_t x_stride, int64_t tokens, int64_t cols, int8_t* q, float* scale);

// One function pointer per operation, filled once for the selected ISA.
struct KernelTable {
  Isa isa = Isa::kScalar;
#define ELASTIQ_KERNEL_TABLE_MEMBER(op, Signature) Signature* op = nullptr;
  ELASTIQ_KERNEL_OPERATIONS(ELASTIQ_KERNEL_TABLE_MEMBER)
#undef ELASTIQ_KERNEL_TABLE_MEMBER
};

// Every row of kernel_list.h for `isa` (its generic rows for operations without one); asserts the
// ISA is supported and that every operation has a kernel.
KernelTable MakeKernelTable(Isa isa);

// op__isa for every row (kernels.h declares all of them; only the target's ISAs are defined).
#define ELASTIQ_DECLARE_KERNEL(op, isa) std::remove_pointer_t<decltype(KernelTable::op)> op##__##isa;
ELASTIQ_KERNEL_LIST(ELASTIQ_DECLARE_KERNEL)
#undef ELASTIQ_DECLARE_KERNEL

}  // namespace elastiq
