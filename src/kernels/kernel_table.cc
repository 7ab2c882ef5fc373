// Fills the kernel table for one ISA.
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
      break;
    case Isa::kAvx2:
      t.gemv_f32 = gemv_f32__avx2;
      break;
    case Isa::kAvx512:
      t.gemv_f32 = gemv_f32__avx512;
      break;
  }
  return t;
}

}  // namespace elastiq
