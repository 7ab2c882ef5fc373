// Integer GEMMs (u8 x int8, int8 x ternary) on the packed layout: every ISA present must give
// exactly the scalar reference's accumulators, which must equal a plain row-major dot product,
// on tile, sub-tile, odd and large shapes (2100 rows: more than one chunk of the ternary decode
// pass), for 1..5 tokens and for row sub-ranges.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "src/format/packed_layout.h"
#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

struct Shape { int64_t rows, cols; };
const Shape kShapes[] = {{16, 32}, {1, 32}, {17, 64}, {48, 96}, {64, 576}, {100, 160}, {192, 1536}, {33, 2048}, {2100, 64}};

class GemmInt : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!IsaSupported(GetParam())) GTEST_SKIP() << IsaName(GetParam()) << " not supported on this CPU";
  }
};

TEST_P(GemmInt, U8I8MatchesReference) {
  const KernelTable k = MakeKernelTable(GetParam());
  std::mt19937 rng(7);
  for (const Shape& sh : kShapes) {
    const PackedShape s = MakePackedShape(sh.rows, sh.cols, "test");
    std::vector<int8_t> w(static_cast<size_t>(sh.rows * sh.cols));
    for (int8_t& v : w) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
    const std::vector<int8_t> packed = PackInt8(s, w.data());
    for (int64_t tokens : {1, 3, 5}) {
      std::vector<uint8_t> x(static_cast<size_t>(tokens * sh.cols));
      for (uint8_t& v : x) v = static_cast<uint8_t>(rng() % 256);
      std::vector<int32_t> want(static_cast<size_t>(tokens * s.rows_padded), -1), got(want), ref(want);
      for (int64_t t = 0; t < tokens; ++t) {
        for (int64_t r = 0; r < sh.rows; ++r) {
          int32_t sum = 0;
          for (int64_t c = 0; c < sh.cols; ++c) sum += int32_t{x[static_cast<size_t>(t * sh.cols + c)]} * w[static_cast<size_t>(r * sh.cols + c)];
          want[static_cast<size_t>(t * s.rows_padded + r)] = sum;
        }
      }
      gemm_u8i8__scalar(packed.data(), s.rows_padded, x.data(), sh.cols, tokens, sh.cols, ref.data(), s.rows_padded, 0, s.rows_padded);
      k.gemm_u8i8(packed.data(), s.rows_padded, x.data(), sh.cols, tokens, sh.cols, got.data(), s.rows_padded, 0, s.rows_padded);
      for (int64_t t = 0; t < tokens; ++t) {
        for (int64_t r = 0; r < sh.rows; ++r) {
          const size_t i = static_cast<size_t>(t * s.rows_padded + r);
          ASSERT_EQ(ref[i], want[i]) << "scalar, rows " << sh.rows << " cols " << sh.cols << " t " << t << " r " << r;
          ASSERT_EQ(got[i], want[i]) << IsaName(GetParam()) << ", rows " << sh.rows << " cols " << sh.cols << " t " << t << " r " << r;
        }
        for (int64_t r = sh.rows; r < s.rows_padded; ++r) EXPECT_EQ(got[static_cast<size_t>(t * s.rows_padded + r)], 0);
      }
    }
    // A row sub-range and a column prefix (a subnet's slice) read only their part.
    if (s.rows_padded >= 32 && sh.cols >= 64) {
      const int64_t cols = sh.cols / 2 / kPanel * kPanel;
      std::vector<uint8_t> x(static_cast<size_t>(cols), 3);
      std::vector<int32_t> got(static_cast<size_t>(s.rows_padded), -1);
      k.gemm_u8i8(packed.data(), s.rows_padded, x.data(), cols, 1, cols, got.data(), s.rows_padded, 16, 32);
      EXPECT_EQ(got[0], -1);
      int32_t sum = 0;
      for (int64_t c = 0; c < cols; ++c) sum += 3 * w[static_cast<size_t>(16 * sh.cols + c)];
      EXPECT_EQ(got[16], sum);
    }
  }
}

TEST_P(GemmInt, I8T2MatchesReference) {
  const KernelTable k = MakeKernelTable(GetParam());
  std::mt19937 rng(8);
  for (const Shape& sh : kShapes) {
    const PackedShape s = MakePackedShape(sh.rows, sh.cols, "test");
    std::vector<int8_t> w(static_cast<size_t>(sh.rows * sh.cols));
    for (int8_t& v : w) v = static_cast<int8_t>(static_cast<int>(rng() % 3) - 1);
    const std::vector<uint8_t> packed = PackTernary(s, w.data());
    for (int64_t tokens : {1, 2, 5}) {
      std::vector<int8_t> x(static_cast<size_t>(tokens * sh.cols));
      for (int8_t& v : x) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
      std::vector<int32_t> got(static_cast<size_t>(tokens * s.rows_padded), -1), ref(got);
      gemm_i8t2__scalar(packed.data(), s.rows_padded, x.data(), sh.cols, tokens, sh.cols, ref.data(), s.rows_padded, 0, s.rows_padded);
      k.gemm_i8t2(packed.data(), s.rows_padded, x.data(), sh.cols, tokens, sh.cols, got.data(), s.rows_padded, 0, s.rows_padded);
      for (int64_t t = 0; t < tokens; ++t) {
        for (int64_t r = 0; r < sh.rows; ++r) {
          int32_t sum = 0;
          for (int64_t c = 0; c < sh.cols; ++c) sum += int32_t{x[static_cast<size_t>(t * sh.cols + c)]} * w[static_cast<size_t>(r * sh.cols + c)];
          const size_t i = static_cast<size_t>(t * s.rows_padded + r);
          ASSERT_EQ(ref[i], sum) << "scalar, rows " << sh.rows << " cols " << sh.cols;
          ASSERT_EQ(got[i], sum) << IsaName(GetParam()) << ", rows " << sh.rows << " cols " << sh.cols << " t " << t << " r " << r;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, GemmInt, ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kNeon),
                         [](const auto& info) { return std::string(IsaName(info.param)); });

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
