// The kernel table: one function pointer per operation, filled once for the selected ISA.
// Naming grammar: <op>_<type>__<isa> (e.g. gemv_f32__avx512); every op has a __scalar reference
// that is always built and that tests compare each ISA against. Only the target's ISAs are built
// (x86-64: avx2, avx512; aarch64: neon).
#pragma once

#include <cstdint>

#include "src/kernels/isa.h"

namespace elastiq {

// y[r] = sum_k w[r * w_stride + k] * x[k] for r in [row_begin, row_end), k in [0, cols).
using GemvF32Fn = void (*)(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y,
                           int64_t row_begin, int64_t row_end);
// Grouped-query attention over one KV head's cached rows (`stride` elements apart, fp32 or IEEE fp16
// stored as uint16_t, src/kernels/fp16.h) for the `heads` query heads that share it, each cached row
// read once for all of them. The heads' queries q and outputs out are n-wide and contiguous.
// Scores: s[h * s_stride + j] = sum_{c < n} q[h * n + c] * k_j[c] for h < heads, j < keys.
template <typename T>
using AttnScoresFn = void (*)(const T* k, int64_t stride, const float* q, int64_t heads, int64_t n, int64_t keys,
                              float* s, int64_t s_stride);
// Values: out[h * n + c] += sum_{j < keys} p[h * p_stride + j] * v_j[c] for h < heads, c < n.
template <typename T>
using AttnValuesFn = void (*)(const T* v, int64_t stride, const float* p, int64_t p_stride, int64_t heads,
                              int64_t keys, float* out, int64_t n);
// dst[i] = fp16(src[i]) for i < n, rounded to nearest even: bit-exact with F32ToF16 on every ISA.
using CvtF32F16Fn = void (*)(const float* src, int64_t n, uint16_t* dst);
// In place over x[0 : n), n >= 1: x[i] = exp(scale x[i] - m) / sum_j exp(scale x[j] - m) with
// m = max_j scale x[j]: one head's attention probabilities from its raw scores q . k_j.
using SoftmaxF32Fn = void (*)(float* x, int64_t n, float scale);
// In place: gate[i] = silu(gate[i]) * up[i] = gate[i] / (1 + exp(-gate[i])) * up[i] for i < n (SwiGLU).
using SwigluF32Fn = void (*)(float* gate, const float* up, int64_t n);

// Integer GEMM over the packed layout (src/format/packed_layout.h), for `tokens` activation rows:
// acc[t * acc_stride + r] = sum_{k < cols} x[t * x_stride + k] * W[r][k] for rows r in
// [row_begin, row_end) (multiples of 16, within rows_padded) and cols a multiple of 32.
// u8i8: x uint8 (asymmetric per-token activations), W int8 -> the raw sum (zero point not removed).
using GemmU8I8Fn = void (*)(const int8_t* packed, int64_t rows_padded, const uint8_t* x, int64_t x_stride,
                            int64_t tokens, int64_t cols, int32_t* acc, int64_t acc_stride, int64_t row_begin,
                            int64_t row_end);
// i8t2: x int8 (symmetric per-token activations), W ternary 2-bit -> the exact sum of x * w.
using GemmI8T2Fn = void (*)(const uint8_t* packed, int64_t rows_padded, const int8_t* x, int64_t x_stride,
                            int64_t tokens, int64_t cols, int32_t* acc, int64_t acc_stride, int64_t row_begin,
                            int64_t row_end);

struct KernelTable {
  Isa isa = Isa::kScalar;
  GemvF32Fn gemv_f32 = nullptr;
  AttnScoresFn<float> attn_scores_f32 = nullptr;
  AttnScoresFn<uint16_t> attn_scores_f16 = nullptr;
  AttnValuesFn<float> attn_values_f32 = nullptr;
  AttnValuesFn<uint16_t> attn_values_f16 = nullptr;
  CvtF32F16Fn cvt_f32f16 = nullptr;
  SoftmaxF32Fn softmax_f32 = nullptr;
  SwigluF32Fn swiglu_f32 = nullptr;
  GemmU8I8Fn gemm_u8i8 = nullptr;
  GemmI8T2Fn gemm_i8t2 = nullptr;
};

KernelTable MakeKernelTable(Isa isa);  // asserts the ISA is supported

void gemv_f32__scalar(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y,
                      int64_t row_begin, int64_t row_end);
void gemv_f32__avx2(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y,
                    int64_t row_begin, int64_t row_end);
void gemv_f32__avx512(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y,
                      int64_t row_begin, int64_t row_end);
void gemv_f32__neon(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y,
                    int64_t row_begin, int64_t row_end);

#define ELASTIQ_DECLARE_FLOAT_KERNELS(isa)                                                                    \
  void attn_scores_f32__##isa(const float* k, int64_t stride, const float* q, int64_t heads, int64_t n,        \
                              int64_t keys, float* s, int64_t s_stride);                                      \
  void attn_scores_f16__##isa(const uint16_t* k, int64_t stride, const float* q, int64_t heads, int64_t n,     \
                              int64_t keys, float* s, int64_t s_stride);                                      \
  void attn_values_f32__##isa(const float* v, int64_t stride, const float* p, int64_t p_stride, int64_t heads, \
                              int64_t keys, float* out, int64_t n);                                           \
  void attn_values_f16__##isa(const uint16_t* v, int64_t stride, const float* p, int64_t p_stride,            \
                              int64_t heads, int64_t keys, float* out, int64_t n);                            \
  void cvt_f32f16__##isa(const float* src, int64_t n, uint16_t* dst);                                         \
  void softmax_f32__##isa(float* x, int64_t n, float scale);                                                 \
  void swiglu_f32__##isa(float* gate, const float* up, int64_t n);
ELASTIQ_DECLARE_FLOAT_KERNELS(scalar)
ELASTIQ_DECLARE_FLOAT_KERNELS(avx2)
ELASTIQ_DECLARE_FLOAT_KERNELS(avx512)
ELASTIQ_DECLARE_FLOAT_KERNELS(neon)
#undef ELASTIQ_DECLARE_FLOAT_KERNELS

#define ELASTIQ_DECLARE_INT_KERNELS(isa)                                                                   \
  void gemm_u8i8__##isa(const int8_t* packed, int64_t rows_padded, const uint8_t* x, int64_t x_stride,       \
                        int64_t tokens, int64_t cols, int32_t* acc, int64_t acc_stride, int64_t row_begin,   \
                        int64_t row_end);                                                                    \
  void gemm_i8t2__##isa(const uint8_t* packed, int64_t rows_padded, const int8_t* x, int64_t x_stride,       \
                        int64_t tokens, int64_t cols, int32_t* acc, int64_t acc_stride, int64_t row_begin,   \
                        int64_t row_end);
ELASTIQ_DECLARE_INT_KERNELS(scalar)
ELASTIQ_DECLARE_INT_KERNELS(avx2)
ELASTIQ_DECLARE_INT_KERNELS(avx512)
ELASTIQ_DECLARE_INT_KERNELS(neon)
#undef ELASTIQ_DECLARE_INT_KERNELS

}  // namespace elastiq
