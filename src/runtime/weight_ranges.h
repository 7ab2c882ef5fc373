// Which bytes of a stored maxnet tensor one palette entry reads, as byte ranges inside the dataset.
// One source for the footprint model (pages an entry keeps resident) and for giving pages back
// after a switch (pages a larger entry used and the current one does not).
#pragma once

#include <cstdint>
#include <vector>

#include "src/runtime/linear.h"

namespace elastiq {

inline constexpr int64_t kPageBytes = 4096;

struct ByteRange {
  int64_t begin = 0;  // offset inside the dataset
  int64_t end = 0;    // one past the last byte
};

// One stored tensor an engine reads: the dataset's data and the byte ranges its entry uses.
struct TensorUse {
  const char* data = nullptr;
  int64_t bytes = 0;            // the whole dataset
  std::vector<ByteRange> used;  // sorted
};

// Bytes of W[:rows, :cols] of a (maxnet_rows x maxnet_cols) matrix in `format`'s stored layout:
// fp32 row-major (one range per row; merged where rows are whole), W8A8 / ternary packed panels
// (a prefix of rows_groups x 32 weights in each of the first cols / 32 panels).
std::vector<ByteRange> MatrixRanges(int64_t maxnet_rows, int64_t maxnet_cols, int64_t rows, int64_t cols,
                                    WeightFormat format);

// The W8A8 row sums a (rows x cols) prefix reads: the cumulative sums of its last panel, one int32
// per row, in the (panels, rows_padded) rowsum dataset.
ByteRange RowSumRange(int64_t maxnet_rows, int64_t rows, int64_t cols);

// Bytes of the whole pages the ranges touch (the dataset starts on a page, FORMAT.md "Layout rules").
int64_t PagesTouched(const std::vector<ByteRange>& ranges);

// Whole pages of [0, dataset_bytes) that none of `used` touches: what can be given back.
std::vector<ByteRange> UnusedPages(int64_t dataset_bytes, const std::vector<ByteRange>& used);

}  // namespace elastiq
