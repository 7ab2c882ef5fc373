// The packed layout (src/kernels/packed_layout.h): int8 and ternary packing round-trip for every
// multiple of 32 columns, a subnet's slice is a contiguous prefix of each panel, and an inner
// dimension that is not a multiple of 32 is a clear error.
#include "src/kernels/packed_layout.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace elastiq {
namespace {

TEST(PackedLayout, RoundTripsForEveryMultipleOf32) {
  std::mt19937 rng(9);
  for (int64_t cols = 32; cols <= 4096; cols += 32) {
    const int64_t rows = 1 + static_cast<int64_t>(rng() % 40);
    const PackedShape s = MakePackedShape(rows, cols, "test");
    std::vector<int8_t> q(static_cast<size_t>(rows * cols)), t(q.size());
    for (size_t i = 0; i < q.size(); ++i) {
      q[i] = static_cast<int8_t>(static_cast<int>(rng() % 256) - 128);
      t[i] = static_cast<int8_t>(static_cast<int>(rng() % 3) - 1);
    }
    ASSERT_EQ(UnpackInt8(s, PackInt8(s, q.data()).data()), q) << cols;
    ASSERT_EQ(UnpackTernary(s, PackTernary(s, t.data()).data()), t) << cols;
    EXPECT_EQ(static_cast<int64_t>(PackTernary(s, t.data()).size()) * 4, s.int8_bytes());
  }
}

TEST(PackedLayout, SubnetSliceIsAContiguousPrefixOfEachPanel) {
  const PackedShape s = MakePackedShape(64, 128, "test");
  // Rows [0, 32) of panel 1 occupy bytes [panel_base, panel_base + 32 * 32).
  const int64_t base = 1 * s.rows_padded * kPanel;
  for (int64_t r = 0; r < 32; ++r) {
    for (int64_t c = 32; c < 64; ++c) {
      const int64_t off = Int8Offset(s, r, c);
      EXPECT_GE(off, base);
      EXPECT_LT(off, base + 32 * kPanel);
    }
  }
}

TEST(PackedLayout, InnerDimensionNotAMultipleOf32IsAClearError) {
  EXPECT_THROW(MakePackedShape(16, 40, "layers.0.wq"), std::exception);
}

}  // namespace
}  // namespace elastiq
