// The kernel table: one function pointer per operation, filled once for the selected ISA.
// Naming grammar: <op>_<type>__<isa> (e.g. gemv_f32__avx512); every op has a __scalar reference
// that is always built and that tests compare each ISA against.
#pragma once

#include <cstdint>

#include "src/kernels/isa.h"

namespace elastiq {

// y[r] = sum_k w[r * w_stride + k] * x[k] for r in [row_begin, row_end), k in [0, cols).
using GemvF32Fn = void (*)(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y,
                           int64_t row_begin, int64_t row_end);

struct KernelTable {
  Isa isa = Isa::kScalar;
  GemvF32Fn gemv_f32 = nullptr;
};

KernelTable MakeKernelTable(Isa isa);  // asserts the ISA is supported

void gemv_f32__scalar(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y,
                      int64_t row_begin, int64_t row_end);
void gemv_f32__avx2(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y,
                    int64_t row_begin, int64_t row_end);
void gemv_f32__avx512(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y,
                      int64_t row_begin, int64_t row_end);

}  // namespace elastiq
