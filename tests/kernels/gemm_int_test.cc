// The checks of the integer GEMMs (u8 x int8, int8 x ternary) on the packed layout, which
// kernel_list_test.cc runs for every ISA: exactly the scalar reference's accumulators, which must equal a plain
// row-major dot product, on tile, sub-tile, odd and large shapes (2100 rows: more than one chunk of the ternary decode
// pass), for 1..5 tokens and for row sub-ranges.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "src/kernels/packed_layout.h"
#include "tests/kernels/kernel_checks.h"

namespace elastiq {
namespace {

struct Shape {
  int64_t rows, cols;
};
const Shape kShapes[] = {{16, 32},   {1, 32},     {17, 64},   {48, 96},  {64, 576},
                         {100, 160}, {192, 1536}, {33, 2048}, {2100, 64}};

}  // namespace

void Check_gemm_u8i8_16x32(GemmU8I8* gemm) {
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
          for (int64_t c = 0; c < sh.cols; ++c)
            sum += int32_t{x[static_cast<size_t>(t * sh.cols + c)]} * w[static_cast<size_t>(r * sh.cols + c)];
          want[static_cast<size_t>(t * s.rows_padded + r)] = sum;
        }
      }
      gemm_u8i8_16x32__scalar(packed.data(), s.rows_padded, x.data(), sh.cols, tokens, sh.cols, ref.data(),
                              s.rows_padded, 0, s.rows_padded);
      gemm(packed.data(), s.rows_padded, x.data(), sh.cols, tokens, sh.cols, got.data(), s.rows_padded, 0,
           s.rows_padded);
      for (int64_t t = 0; t < tokens; ++t) {
        for (int64_t r = 0; r < sh.rows; ++r) {
          const size_t i = static_cast<size_t>(t * s.rows_padded + r);
          ASSERT_EQ(ref[i], want[i]) << "scalar, rows " << sh.rows << " cols " << sh.cols << " t " << t << " r " << r;
          ASSERT_EQ(got[i], want[i]) << "kernel, rows " << sh.rows << " cols " << sh.cols << " t " << t << " r " << r;
        }
        for (int64_t r = sh.rows; r < s.rows_padded; ++r) EXPECT_EQ(got[static_cast<size_t>(t * s.rows_padded + r)], 0);
      }
    }
    // A row sub-range and a column prefix (a subnet's slice) read only their part.
    if (s.rows_padded >= 32 && sh.cols >= 64) {
      const int64_t cols = sh.cols / 2 / kPanel * kPanel;
      std::vector<uint8_t> x(static_cast<size_t>(cols), 3);
      std::vector<int32_t> got(static_cast<size_t>(s.rows_padded), -1);
      gemm(packed.data(), s.rows_padded, x.data(), cols, 1, cols, got.data(), s.rows_padded, 16, 32);
      EXPECT_EQ(got[0], -1);
      int32_t sum = 0;
      for (int64_t c = 0; c < cols; ++c) sum += 3 * w[static_cast<size_t>(16 * sh.cols + c)];
      EXPECT_EQ(got[16], sum);
    }
  }
}

void Check_gemm_i8t2_16x32(GemmI8T2* gemm) {
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
      gemm_i8t2_16x32__scalar(packed.data(), s.rows_padded, x.data(), sh.cols, tokens, sh.cols, ref.data(),
                              s.rows_padded, 0, s.rows_padded);
      gemm(packed.data(), s.rows_padded, x.data(), sh.cols, tokens, sh.cols, got.data(), s.rows_padded, 0,
           s.rows_padded);
      for (int64_t t = 0; t < tokens; ++t) {
        for (int64_t r = 0; r < sh.rows; ++r) {
          int32_t sum = 0;
          for (int64_t c = 0; c < sh.cols; ++c)
            sum += int32_t{x[static_cast<size_t>(t * sh.cols + c)]} * w[static_cast<size_t>(r * sh.cols + c)];
          const size_t i = static_cast<size_t>(t * s.rows_padded + r);
          ASSERT_EQ(ref[i], sum) << "scalar, rows " << sh.rows << " cols " << sh.cols;
          ASSERT_EQ(got[i], sum) << "kernel, rows " << sh.rows << " cols " << sh.cols << " t " << t << " r " << r;
        }
      }
    }
  }
}

}  // namespace elastiq
