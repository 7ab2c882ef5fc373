// Every kernel, in one list. The declarations (kernels.h), the dispatch table (kernel_table.cc),
// the tests (tests/kernels/kernel_list_test.cc) and the benchmarks (experiments/bench_kernels.cc)
// all expand it: adding a kernel is one row here plus its code in src/kernels/<isa>/.
//
// Names: <operation>_<types>[_<tile>]__<isa>. Types read as inputs then outputs (gemm_u8i8_16x32: uint8
// activations x int8 weights; cvt_f32f16: fp32 in, fp16 out); the integer GEMMs carry the packed
// layout's tile, 16 rows x 32 columns (src/kernels/packed_layout.h).
#pragma once

// The operations: ELASTIQ_KERNEL_OP(op, Signature). Each is one KernelTable member `op` of type
// Signature* (the signatures and their contracts: kernels.h).
#define ELASTIQ_KERNEL_OPERATIONS(ELASTIQ_KERNEL_OP)       \
  ELASTIQ_KERNEL_OP(gemv_f32, GemvF32)                     \
  ELASTIQ_KERNEL_OP(gemm_u8i8_16x32, GemmU8I8)             \
  ELASTIQ_KERNEL_OP(gemm_i8t2_16x32, GemmI8T2)             \
  ELASTIQ_KERNEL_OP(attn_scores_f32, AttnScores<float>)    \
  ELASTIQ_KERNEL_OP(attn_scores_f16, AttnScores<uint16_t>) \
  ELASTIQ_KERNEL_OP(attn_values_f32, AttnValues<float>)    \
  ELASTIQ_KERNEL_OP(attn_values_f16, AttnValues<uint16_t>) \
  ELASTIQ_KERNEL_OP(cvt_f32f16, CvtF32F16)                 \
  ELASTIQ_KERNEL_OP(softmax_f32, SoftmaxF32)               \
  ELASTIQ_KERNEL_OP(swiglu_f32, SwigluF32)                 \
  ELASTIQ_KERNEL_OP(quantize_f32u8, QuantizeF32U8)         \
  ELASTIQ_KERNEL_OP(quantize_f32i8, QuantizeF32I8)

// The kernels: ELASTIQ_KERNEL(op, isa), one row per operation and ISA. `scalar` rows are the
// references every other row is tested against. A `generic` row is the one portable version of an
// operation that has no per-ISA kernel: every ISA's table uses it (the per-token activation
// quantization is cheap next to the GEMM after it).
#define ELASTIQ_KERNEL_LIST(ELASTIQ_KERNEL) \
  ELASTIQ_KERNEL(gemv_f32, scalar)          \
  ELASTIQ_KERNEL(gemv_f32, avx2)            \
  ELASTIQ_KERNEL(gemv_f32, avx512)          \
  ELASTIQ_KERNEL(gemv_f32, neon)            \
  ELASTIQ_KERNEL(gemm_u8i8_16x32, scalar)   \
  ELASTIQ_KERNEL(gemm_u8i8_16x32, avx2)     \
  ELASTIQ_KERNEL(gemm_u8i8_16x32, avx512)   \
  ELASTIQ_KERNEL(gemm_u8i8_16x32, neon)     \
  ELASTIQ_KERNEL(gemm_i8t2_16x32, scalar)   \
  ELASTIQ_KERNEL(gemm_i8t2_16x32, avx2)     \
  ELASTIQ_KERNEL(gemm_i8t2_16x32, avx512)   \
  ELASTIQ_KERNEL(gemm_i8t2_16x32, neon)     \
  ELASTIQ_KERNEL(attn_scores_f32, scalar)   \
  ELASTIQ_KERNEL(attn_scores_f32, avx2)     \
  ELASTIQ_KERNEL(attn_scores_f32, avx512)   \
  ELASTIQ_KERNEL(attn_scores_f32, neon)     \
  ELASTIQ_KERNEL(attn_scores_f16, scalar)   \
  ELASTIQ_KERNEL(attn_scores_f16, avx2)     \
  ELASTIQ_KERNEL(attn_scores_f16, avx512)   \
  ELASTIQ_KERNEL(attn_scores_f16, neon)     \
  ELASTIQ_KERNEL(attn_values_f32, scalar)   \
  ELASTIQ_KERNEL(attn_values_f32, avx2)     \
  ELASTIQ_KERNEL(attn_values_f32, avx512)   \
  ELASTIQ_KERNEL(attn_values_f32, neon)     \
  ELASTIQ_KERNEL(attn_values_f16, scalar)   \
  ELASTIQ_KERNEL(attn_values_f16, avx2)     \
  ELASTIQ_KERNEL(attn_values_f16, avx512)   \
  ELASTIQ_KERNEL(attn_values_f16, neon)     \
  ELASTIQ_KERNEL(cvt_f32f16, scalar)        \
  ELASTIQ_KERNEL(cvt_f32f16, avx2)          \
  ELASTIQ_KERNEL(cvt_f32f16, avx512)        \
  ELASTIQ_KERNEL(cvt_f32f16, neon)          \
  ELASTIQ_KERNEL(softmax_f32, scalar)       \
  ELASTIQ_KERNEL(softmax_f32, avx2)         \
  ELASTIQ_KERNEL(softmax_f32, avx512)       \
  ELASTIQ_KERNEL(softmax_f32, neon)         \
  ELASTIQ_KERNEL(swiglu_f32, scalar)        \
  ELASTIQ_KERNEL(swiglu_f32, avx2)          \
  ELASTIQ_KERNEL(swiglu_f32, avx512)        \
  ELASTIQ_KERNEL(swiglu_f32, neon)          \
  ELASTIQ_KERNEL(quantize_f32u8, generic)   \
  ELASTIQ_KERNEL(quantize_f32i8, generic)

// ELASTIQ_IF_KERNEL_ISA_BUILT_<isa>(code...): the code where this target compiles that ISA's folder
// (src/CMakeLists.txt), nothing elsewhere. The lists above name every ISA; only these are linked.
#define ELASTIQ_IF_KERNEL_ISA_BUILT_scalar(...) __VA_ARGS__
#define ELASTIQ_IF_KERNEL_ISA_BUILT_generic(...) __VA_ARGS__
#if defined(__x86_64__)
#define ELASTIQ_IF_KERNEL_ISA_BUILT_avx2(...) __VA_ARGS__
#define ELASTIQ_IF_KERNEL_ISA_BUILT_avx512(...) __VA_ARGS__
#else
#define ELASTIQ_IF_KERNEL_ISA_BUILT_avx2(...)
#define ELASTIQ_IF_KERNEL_ISA_BUILT_avx512(...)
#endif
#if defined(__aarch64__)
#define ELASTIQ_IF_KERNEL_ISA_BUILT_neon(...) __VA_ARGS__
#else
#define ELASTIQ_IF_KERNEL_ISA_BUILT_neon(...)
#endif
