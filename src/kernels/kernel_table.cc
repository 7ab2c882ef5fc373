// Fills the kernel table for one ISA (of those built for this target).
#include "src/core/error.h"
#include "src/kernels/kernels.h"

namespace elastiq {

KernelTable MakeKernelTable(Isa isa) {
  ELASTIQ_ASSERT(IsaSupported(isa), IsaName(isa));
  KernelTable t;
  t.isa = isa;
  switch (isa) {
    case Isa::kScalar:
      t.gemv_f32 = gemv_f32__scalar;
      t.attn_scores_f32 = attn_scores_f32__scalar;
      t.attn_scores_f16 = attn_scores_f16__scalar;
      t.attn_values_f32 = attn_values_f32__scalar;
      t.attn_values_f16 = attn_values_f16__scalar;
      t.cvt_f32f16 = cvt_f32f16__scalar;
      t.softmax_f32 = softmax_f32__scalar;
      t.swiglu_f32 = swiglu_f32__scalar;
      t.gemm_u8i8 = gemm_u8i8__scalar;
      t.gemm_i8t2 = gemm_i8t2__scalar;
      break;
#if defined(__x86_64__)
    case Isa::kAvx2:
      t.gemv_f32 = gemv_f32__avx2;
      t.attn_scores_f32 = attn_scores_f32__avx2;
      t.attn_scores_f16 = attn_scores_f16__avx2;
      t.attn_values_f32 = attn_values_f32__avx2;
      t.attn_values_f16 = attn_values_f16__avx2;
      t.cvt_f32f16 = cvt_f32f16__avx2;
      t.softmax_f32 = softmax_f32__avx2;
      t.swiglu_f32 = swiglu_f32__avx2;
      t.gemm_u8i8 = gemm_u8i8__avx2;
      t.gemm_i8t2 = gemm_i8t2__avx2;
      break;
    case Isa::kAvx512:
      t.gemv_f32 = gemv_f32__avx512;
      t.attn_scores_f32 = attn_scores_f32__avx512;
      t.attn_scores_f16 = attn_scores_f16__avx512;
      t.attn_values_f32 = attn_values_f32__avx512;
      t.attn_values_f16 = attn_values_f16__avx512;
      t.cvt_f32f16 = cvt_f32f16__avx512;
      t.softmax_f32 = softmax_f32__avx512;
      t.swiglu_f32 = swiglu_f32__avx512;
      t.gemm_u8i8 = gemm_u8i8__avx512;
      t.gemm_i8t2 = gemm_i8t2__avx512;
      break;
#endif
#if defined(__aarch64__)
    case Isa::kNeon:
      t.gemv_f32 = gemv_f32__neon;
      t.attn_scores_f32 = attn_scores_f32__neon;
      t.attn_scores_f16 = attn_scores_f16__neon;
      t.attn_values_f32 = attn_values_f32__neon;
      t.attn_values_f16 = attn_values_f16__neon;
      t.cvt_f32f16 = cvt_f32f16__neon;
      t.softmax_f32 = softmax_f32__neon;
      t.swiglu_f32 = swiglu_f32__neon;
      t.gemm_u8i8 = gemm_u8i8__neon;
      t.gemm_i8t2 = gemm_i8t2__neon;
      break;
#endif
    default:
      break;  // not built for this target: IsaSupported is false, asserted above
  }
  return t;
}

}  // namespace elastiq
