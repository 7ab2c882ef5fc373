// Byte ranges of weight prefixes and the pages they leave unused.
#include "src/runtime/weight_ranges.h"

#include <gtest/gtest.h>

namespace elastiq {
namespace {

TEST(WeightRanges, PrefixesOfRowMajorAndPackedMatrices) {
  // fp32 (64 x 256): whole rows are one prefix; cut columns give one range per row.
  auto r = MatrixRanges(64, 256, 16, 256, WeightFormat::kF32);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].end, 16 * 1024);
  r = MatrixRanges(64, 256, 4, 128, WeightFormat::kF32);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[1].begin, 1024);
  EXPECT_EQ(r[1].end, 1024 + 512);
  // int8 (40 rows -> 48 padded, 96 cols = 3 panels of 48 x 32 bytes); 20 rows use 32 of each panel.
  r = MatrixRanges(40, 96, 20, 64, WeightFormat::kW8A8);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].begin, 0);
  EXPECT_EQ(r[0].end, 32 * 32);
  EXPECT_EQ(r[1].begin, 48 * 32);
  // Ternary: a quarter of the bytes; every row used makes the panels one range.
  r = MatrixRanges(48, 96, 48, 96, WeightFormat::kTernary);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].end, 48 * 96 / 4);
  EXPECT_EQ(RowSumRange(40, 20, 64).begin, 48 * 4);
}

TEST(WeightRanges, PagesTouchedAndUnusedPages) {
  EXPECT_EQ(PagesTouched({{0, 1}, {4095, 4097}, {10000, 10001}}), 3 * kPageBytes);
  const auto unused = UnusedPages(10 * kPageBytes, {{100, 200}, {3 * kPageBytes + 5, 4 * kPageBytes}});
  ASSERT_EQ(unused.size(), 2u);
  EXPECT_EQ(unused[0].begin, kPageBytes);  // page 0 is partly used
  EXPECT_EQ(unused[0].end, 3 * kPageBytes);
  EXPECT_EQ(unused[1].begin, 4 * kPageBytes);
  EXPECT_EQ(unused[1].end, 10 * kPageBytes);
  EXPECT_TRUE(UnusedPages(kPageBytes + 10, {{0, 1}}).empty());  // the partial last page is kept
}

}  // namespace
}  // namespace elastiq
