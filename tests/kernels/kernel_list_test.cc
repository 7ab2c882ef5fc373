// One test per row of src/kernels/kernel_list.h, named <op>.<isa>: the dispatch table of the row's
// ISA holds the row's function, and that function passes its operation's check (kernel_checks.h).
// A row whose ISA this CPU lacks, or this target does not build, is skipped visibly; a generic row
// must fill every supported ISA's table.
#include <gtest/gtest.h>

#include <optional>

#include "tests/kernels/kernel_checks.h"

namespace elastiq {
namespace {

#define ELASTIQ_KERNEL_TEST(op, isa)                                                             \
  TEST(op, isa) {                                                                                \
    const std::optional<Isa> row_isa = IsaFromName(#isa); /* nullopt: generic */                 \
    if (row_isa && !IsaSupported(*row_isa)) GTEST_SKIP() << #isa " not supported on this CPU";   \
    for (Isa table_isa : kAllIsas) {                                                             \
      if (IsaSupported(table_isa) && (!row_isa || table_isa == *row_isa)) {                      \
        ELASTIQ_IF_KERNEL_ISA_BUILT_##isa(EXPECT_EQ(MakeKernelTable(table_isa).op, &op##__##isa) \
                                              << "the " << IsaName(table_isa) << " table";)      \
      }                                                                                          \
    }                                                                                            \
    Check_##op(MakeKernelTable(row_isa.value_or(Isa::kScalar)).op);                              \
  }
ELASTIQ_KERNEL_LIST(ELASTIQ_KERNEL_TEST)
#undef ELASTIQ_KERNEL_TEST

}  // namespace
}  // namespace elastiq
