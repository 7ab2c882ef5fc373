// The check of the fp32 GEMV kernels, y = W x (kernel_list_test.cc runs it for every ISA): the
// scalar reference's results on tile, tail, odd, strided and large shapes, row ranges, one-hot x.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "tests/kernels/kernel_checks.h"

namespace elastiq {
namespace {

struct Shape {
  int64_t rows, cols, stride;
};
constexpr Shape kShapes[] = {{1, 1, 1},      {3, 7, 7},      {4, 16, 16},       {5, 17, 20}, {16, 64, 64},
                             {33, 100, 128}, {64, 576, 600}, {130, 1536, 1536}, {7, 15, 15}, {9, 33, 40},
                             {6, 40, 45},    {37, 64, 192},  {2048, 64, 192}};

std::vector<float> RandomElements(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& e : v) e = u(rng);
  return v;
}

}  // namespace

void Check_gemv_f32(GemvF32* kernel) {
  std::mt19937 rng(1);
  for (Shape s : kShapes) {
    const std::vector<float> w = RandomElements(static_cast<size_t>(s.rows * s.stride), rng);
    const std::vector<float> x = RandomElements(static_cast<size_t>(s.cols), rng);
    std::vector<float> want(static_cast<size_t>(s.rows), -7.0f), got(want);
    gemv_f32__scalar(w.data(), s.stride, x.data(), s.cols, want.data(), 0, s.rows);
    kernel(w.data(), s.stride, x.data(), s.cols, got.data(), 0, s.rows);
    for (int64_t r = 0; r < s.rows; ++r) {
      EXPECT_NEAR(got[static_cast<size_t>(r)], want[static_cast<size_t>(r)],
                  1e-5f * std::sqrt(static_cast<float>(s.cols)))
          << "rows " << s.rows << " cols " << s.cols << " row " << r;
    }
    // A row range writes only its rows.
    std::vector<float> part(static_cast<size_t>(s.rows), -7.0f);
    if (s.rows > 2) {
      kernel(w.data(), s.stride, x.data(), s.cols, part.data(), 1, s.rows - 1);
      EXPECT_EQ(part.front(), -7.0f);
      EXPECT_EQ(part.back(), -7.0f);
      EXPECT_NEAR(part[1], want[1], 1e-4f);
    }
    // A one-hot x reads back the elements of its column exactly.
    std::vector<float> one_hot(static_cast<size_t>(s.cols), 0.0f), column(static_cast<size_t>(s.rows));
    const int64_t k = s.cols / 2;
    one_hot[static_cast<size_t>(k)] = 1.0f;
    kernel(w.data(), s.stride, one_hot.data(), s.cols, column.data(), 0, s.rows);
    for (int64_t r = 0; r < s.rows; ++r) {
      ASSERT_EQ(column[static_cast<size_t>(r)], w[static_cast<size_t>(r * s.stride + k)]) << "row " << r;
    }
  }
}

}  // namespace elastiq
