// The check of each operation of src/kernels/kernel_list.h, defined in the operation's test file:
// Check_<op>(kernel) runs one kernel against the scalar reference (or, for a generic operation,
// against the operation's definition) and fails the current test on a mismatch. One per operation:
// an operation added to the list without its check fails to link.
#pragma once

#include "src/kernels/kernels.h"

namespace elastiq {

#define ELASTIQ_DECLARE_KERNEL_CHECK(op, Signature) void Check_##op(Signature* kernel);
ELASTIQ_KERNEL_OPERATIONS(ELASTIQ_DECLARE_KERNEL_CHECK)
#undef ELASTIQ_DECLARE_KERNEL_CHECK

}  // namespace elastiq
