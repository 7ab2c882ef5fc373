// A linear layer as the runtime sees it: a prefix view W[:rows, :cols] of a stored maxnet matrix
// (row stride = the maxnet's input width), applied as y = x W^T with the selected kernels:
// GEMV for one token (decode), GEMM for many (prefill); threads split the output rows.
#pragma once

#include <cstdint>

#include "src/kernels/kernels.h"
#include "src/runtime/thread_pool.h"

namespace elastiq {

struct LinearF32 {
  const float* w = nullptr;
  int64_t stride = 0;  // elements between rows (the maxnet's input width)
  int64_t rows = 0;    // the subnet's output width
  int64_t cols = 0;    // the subnet's input width
  int64_t bytes_read() const { return rows * cols * static_cast<int64_t>(sizeof(float)); }
};

struct ExecContext {
  ThreadPool* pool = nullptr;
  KernelTable kernels;
};

// x: (tokens, cols) row-major; y: (tokens, rows) row-major.
void ApplyLinear(const ExecContext& ctx, const LinearF32& w, const float* x, int64_t tokens, float* y);

}  // namespace elastiq
