// Scalar references of the integer GEMMs: walk the packed layout element by element.
#include "src/kernels/kernels.h"
#include "src/kernels/packed_layout.h"

namespace elastiq {

void gemm_u8i8_16x32__scalar(const int8_t* packed, int64_t rows_padded, const uint8_t* x, int64_t x_stride,
                             int64_t tokens, int64_t cols, int32_t* acc, int64_t acc_stride, int64_t row_begin,
                             int64_t row_end) {
  const PackedShape s{rows_padded, cols, rows_padded};
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t r = row_begin; r < row_end; ++r) {
      int32_t sum = 0;
      for (int64_t k = 0; k < cols; ++k) sum += int32_t{x[t * x_stride + k]} * packed[Int8Offset(s, r, k)];
      acc[t * acc_stride + r] = sum;
    }
  }
}

void gemm_i8t2_16x32__scalar(const uint8_t* packed, int64_t rows_padded, const int8_t* x, int64_t x_stride,
                             int64_t tokens, int64_t cols, int32_t* acc, int64_t acc_stride, int64_t row_begin,
                             int64_t row_end) {
  const PackedShape s{rows_padded, cols, rows_padded};
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t r = row_begin; r < row_end; ++r) {
      int32_t sum = 0;
      for (int64_t k = 0; k < cols; ++k) {
        int64_t byte;
        int shift;
        TernaryPosition(s, r, k, &byte, &shift);
        sum += int32_t{x[t * x_stride + k]} * (((packed[byte] >> shift) & 3) - 1);
      }
      acc[t * acc_stride + r] = sum;
    }
  }
}

}  // namespace elastiq
