// Byte ranges of weight prefixes in the row-major and packed layouts, rounded to pages.
#include "src/runtime/weight_ranges.h"

#include <algorithm>

#include "src/kernels/packed_layout.h"

namespace elastiq {
namespace {

int64_t PageDown(int64_t b) { return b / kPageBytes * kPageBytes; }
int64_t PageUp(int64_t b) { return (b + kPageBytes - 1) / kPageBytes * kPageBytes; }

// Appends r, merging it into the last range when they touch.
void Append(std::vector<ByteRange>& out, ByteRange r) {
  if (r.end <= r.begin) return;
  if (!out.empty() && r.begin <= out.back().end) {
    out.back().end = std::max(out.back().end, r.end);
  } else {
    out.push_back(r);
  }
}

}  // namespace

std::vector<ByteRange> MatrixRanges(int64_t maxnet_rows, int64_t maxnet_cols, int64_t rows, int64_t cols,
                                    WeightFormat format) {
  std::vector<ByteRange> out;
  if (format == WeightFormat::kF32) {
    const int64_t stride = maxnet_cols * 4;
    if (cols == maxnet_cols) return {{0, rows * stride}};  // whole rows: one prefix
    for (int64_t r = 0; r < rows; ++r) Append(out, {r * stride, r * stride + cols * 4});
    return out;
  }
  // Packed: panel p holds rows_padded x 32 weights; the entry reads its first used_rows of them.
  const int64_t rows_padded = (maxnet_rows + kRowGroup - 1) / kRowGroup * kRowGroup;
  const int64_t used_rows = (rows + kRowGroup - 1) / kRowGroup * kRowGroup;
  const int64_t divisor = format == WeightFormat::kTernary ? 4 : 1;  // 2 bits per ternary weight
  for (int64_t p = 0; p < cols / kPanel; ++p) {
    const int64_t base = p * rows_padded * kPanel / divisor;
    Append(out, {base, base + used_rows * kPanel / divisor});
  }
  return out;
}

ByteRange RowSumRange(int64_t maxnet_rows, int64_t rows, int64_t cols) {
  const int64_t rows_padded = (maxnet_rows + kRowGroup - 1) / kRowGroup * kRowGroup;
  const int64_t begin = (cols / kPanel - 1) * rows_padded * 4;
  return {begin, begin + rows * 4};
}

int64_t PagesTouched(const std::vector<ByteRange>& ranges) {
  int64_t bytes = 0, covered_until = 0;  // ranges are sorted: do not count a shared page twice
  for (const ByteRange& r : ranges) {
    if (r.end <= r.begin) continue;
    const int64_t begin = std::max(PageDown(r.begin), covered_until), end = PageUp(r.end);
    if (end > begin) bytes += end - begin;
    covered_until = std::max(covered_until, end);
  }
  return bytes;
}

std::vector<ByteRange> UnusedPages(int64_t dataset_bytes, const std::vector<ByteRange>& used) {
  std::vector<ByteRange> out;
  int64_t free_from = 0;  // first byte not yet known to be used
  auto gap = [&](int64_t until) {
    const int64_t begin = PageUp(free_from), end = PageDown(until);  // whole pages only
    if (end > begin) out.push_back({begin, end});
  };
  for (const ByteRange& r : used) {
    if (r.end <= r.begin) continue;
    gap(r.begin);
    free_from = std::max(free_from, r.end);
  }
  gap(dataset_bytes);
  return out;
}

}  // namespace elastiq
