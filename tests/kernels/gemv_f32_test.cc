// fp32 GEMV: every ISA this CPU has against the scalar reference, on tile, tail, odd, strided and
// large shapes. A missing ISA is skipped visibly.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

class GemvF32 : public ::testing::TestWithParam<Isa> {};

TEST_P(GemvF32, MatchesScalarReference) {
  if (!IsaSupported(GetParam())) GTEST_SKIP() << IsaName(GetParam()) << " not supported on this CPU";
  const KernelTable k = MakeKernelTable(GetParam());
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  struct Shape { int64_t rows, cols, stride; };
  for (Shape s : {Shape{1, 1, 1}, {3, 7, 7}, {4, 16, 16}, {5, 17, 20}, {16, 64, 64}, {33, 100, 128},
                  {64, 576, 600}, {130, 1536, 1536}, {7, 15, 15}, {9, 33, 40}}) {
    std::vector<float> w(static_cast<size_t>(s.rows * s.stride)), x(static_cast<size_t>(s.cols));
    for (float& v : w) v = u(rng);
    for (float& v : x) v = u(rng);
    std::vector<float> want(static_cast<size_t>(s.rows), -7.0f), got(want);
    gemv_f32__scalar(w.data(), s.stride, x.data(), s.cols, want.data(), 0, s.rows);
    k.gemv_f32(w.data(), s.stride, x.data(), s.cols, got.data(), 0, s.rows);
    for (int64_t r = 0; r < s.rows; ++r) {
      EXPECT_NEAR(got[static_cast<size_t>(r)], want[static_cast<size_t>(r)], 1e-5f * std::sqrt(static_cast<float>(s.cols)))
          << "rows " << s.rows << " cols " << s.cols << " row " << r;
    }
    // A row range writes only its rows.
    std::vector<float> part(static_cast<size_t>(s.rows), -7.0f);
    if (s.rows > 2) {
      k.gemv_f32(w.data(), s.stride, x.data(), s.cols, part.data(), 1, s.rows - 1);
      EXPECT_EQ(part.front(), -7.0f);
      EXPECT_EQ(part.back(), -7.0f);
      EXPECT_NEAR(part[1], want[1], 1e-4f);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, GemvF32, ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kNeon),
                         [](const auto& info) { return std::string(IsaName(info.param)); });

}  // namespace
}  // namespace elastiq
