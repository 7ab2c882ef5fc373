// Fills the kernel table for one ISA from the rows of kernel_list.h this target builds.
#include <cstring>

#include "src/core/error.h"
#include "src/kernels/kernels.h"

namespace elastiq {

KernelTable MakeKernelTable(Isa isa) {
  ELASTIQ_ASSERT(IsaSupported(isa), IsaName(isa));
  KernelTable t;
  t.isa = isa;
  const auto row_serves = [isa](const char* row_isa) {
    return std::strcmp(row_isa, "generic") == 0 || std::strcmp(row_isa, IsaName(isa)) == 0;
  };
#define ELASTIQ_FILL_KERNEL(op, isa) ELASTIQ_IF_KERNEL_ISA_BUILT_##isa(if (row_serves(#isa)) t.op = op##__##isa;)
  ELASTIQ_KERNEL_LIST(ELASTIQ_FILL_KERNEL)
#undef ELASTIQ_FILL_KERNEL
#define ELASTIQ_CHECK_FILLED(op, Signature) ELASTIQ_ASSERT(t.op != nullptr, #op " has no kernel for this ISA");
  ELASTIQ_KERNEL_OPERATIONS(ELASTIQ_CHECK_FILLED)
#undef ELASTIQ_CHECK_FILLED
  return t;
}

}  // namespace elastiq
