// The exp-based kernels, softmax and SwiGLU: every ISA this CPU has against the scalar reference
// (std::exp) on lengths around each vector width, attention-like score ranges, and extreme inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

constexpr int64_t kLengths[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 129, 2048};

std::vector<float> Uniform(int64_t n, float lo, float hi, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& e : v) e = u(rng);
  return v;
}

class ExpKernels : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!IsaSupported(GetParam())) GTEST_SKIP() << IsaName(GetParam()) << " not supported on this CPU";
    k_ = MakeKernelTable(GetParam());
  }
  KernelTable k_;
};

TEST_P(ExpKernels, SoftmaxMatchesScalarReference) {
  std::mt19937 rng(3);
  // Raw q . k scores of 64-wide heads and the 1/8 scale, a narrow and a wide (saturating) range.
  for (const float range : {0.5f, 30.0f, 800.0f}) {
    for (const int64_t n : kLengths) {
      const std::vector<float> x = Uniform(n, -range, range, rng);
      std::vector<float> want = x, got = x;
      softmax_f32__scalar(want.data(), n, 0.125f);
      k_.softmax_f32(got.data(), n, 0.125f);
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], 2e-6f * want[i] + 1e-30f) << "n " << n << " range " << range << " i " << i;
      }
      EXPECT_NEAR(std::accumulate(got.begin(), got.end(), 0.0), 1.0, 1e-5) << "n " << n;
    }
  }
}

TEST_P(ExpKernels, SoftmaxOfEqualScoresIsUniformAndOfOneScoreIsOne) {
  for (const int64_t n : kLengths) {
    std::vector<float> x(static_cast<size_t>(n), 3.0f);
    k_.softmax_f32(x.data(), n, 0.5f);
    for (const float p : x) ASSERT_NEAR(p, 1.0f / static_cast<float>(n), 1e-6f / static_cast<float>(n)) << "n " << n;
  }
  float one = -1e30f;
  k_.softmax_f32(&one, 1, 1.0f);
  EXPECT_EQ(one, 1.0f);
}

TEST_P(ExpKernels, SwigluMatchesScalarReference) {
  std::mt19937 rng(4);
  for (const float range : {1.0f, 12.0f, 200.0f}) {
    for (const int64_t n : kLengths) {
      const std::vector<float> gate = Uniform(n, -range, range, rng), up = Uniform(n, -2.0f, 2.0f, rng);
      std::vector<float> want = gate, got = gate;
      swiglu_f32__scalar(want.data(), up.data(), n);
      k_.swiglu_f32(got.data(), up.data(), n);
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], 2e-6f * std::abs(want[i]) + 1e-30f)
            << "n " << n << " gate " << gate[i] << " up " << up[i];
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, ExpKernels, ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kNeon),
                         [](const auto& info) { return std::string(IsaName(info.param)); });

}  // namespace
}  // namespace elastiq
