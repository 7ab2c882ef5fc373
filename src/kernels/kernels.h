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
// The same over IEEE fp16 rows (stored as uint16_t, src/kernels/fp16.h): attention scores q . k_j
// over an fp16 key cache.
using GemvF16Fn = void (*)(const uint16_t* w, int64_t w_stride, const float* x, int64_t cols, float* y,
                           int64_t row_begin, int64_t row_end);
// Transposed and accumulating: y[c] += sum_{r < rows} x[r] * w[r * w_stride + c] for c in [0, cols):
// the attention output sum_j p_j v_j over the cached value rows, fp32 or fp16.
using GemvtF32Fn = void (*)(const float* w, int64_t w_stride, const float* x, int64_t rows, float* y, int64_t cols);
using GemvtF16Fn = void (*)(const uint16_t* w, int64_t w_stride, const float* x, int64_t rows, float* y,
                            int64_t cols);
// dst[i] = fp16(src[i]) for i < n, rounded to nearest even: bit-exact with F32ToF16 on every ISA.
using CvtF32F16Fn = void (*)(const float* src, int64_t n, uint16_t* dst);

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
  GemvF16Fn gemv_f16 = nullptr;
  GemvtF32Fn gemvt_f32 = nullptr;
  GemvtF16Fn gemvt_f16 = nullptr;
  CvtF32F16Fn cvt_f32f16 = nullptr;
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

#define ELASTIQ_DECLARE_F16_KERNELS(isa)                                                                      \
  void gemv_f16__##isa(const uint16_t* w, int64_t w_stride, const float* x, int64_t cols, float* y,            \
                       int64_t row_begin, int64_t row_end);                                                   \
  void gemvt_f32__##isa(const float* w, int64_t w_stride, const float* x, int64_t rows, float* y, int64_t cols); \
  void gemvt_f16__##isa(const uint16_t* w, int64_t w_stride, const float* x, int64_t rows, float* y,           \
                        int64_t cols);                                                                        \
  void cvt_f32f16__##isa(const float* src, int64_t n, uint16_t* dst);
ELASTIQ_DECLARE_F16_KERNELS(scalar)
ELASTIQ_DECLARE_F16_KERNELS(avx2)
ELASTIQ_DECLARE_F16_KERNELS(avx512)
ELASTIQ_DECLARE_F16_KERNELS(neon)
#undef ELASTIQ_DECLARE_F16_KERNELS

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
