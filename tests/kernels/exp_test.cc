// The checks of the exp-based kernels, softmax and SwiGLU (kernel_list_test.cc runs them for every
// ISA): the scalar reference (std::exp) on lengths around each vector width, attention-like score
// ranges, and extreme inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "tests/kernels/kernel_checks.h"

namespace elastiq {
namespace {

constexpr int64_t kLengths[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 129, 2048};

std::vector<float> Uniform(int64_t n, float lo, float hi, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& e : v) e = u(rng);
  return v;
}

void ExpectSoftmaxMatchesScalarReference(SoftmaxF32* softmax) {
  std::mt19937 rng(3);
  // Raw q . k scores of 64-wide heads and the 1/8 scale, a narrow and a wide (saturating) range.
  for (const float range : {0.5f, 30.0f, 800.0f}) {
    for (const int64_t n : kLengths) {
      const std::vector<float> x = Uniform(n, -range, range, rng);
      std::vector<float> want = x, got = x;
      softmax_f32__scalar(want.data(), n, 0.125f);
      softmax(got.data(), n, 0.125f);
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], 2e-6f * want[i] + 1e-30f) << "n " << n << " range " << range << " i " << i;
      }
      EXPECT_NEAR(std::accumulate(got.begin(), got.end(), 0.0), 1.0, 1e-5) << "n " << n;
    }
  }
}

void ExpectSoftmaxOfEqualScoresUniformAndOfOneScoreOne(SoftmaxF32* softmax) {
  for (const int64_t n : kLengths) {
    std::vector<float> x(static_cast<size_t>(n), 3.0f);
    softmax(x.data(), n, 0.5f);
    for (const float p : x) ASSERT_NEAR(p, 1.0f / static_cast<float>(n), 1e-6f / static_cast<float>(n)) << "n " << n;
  }
  float one = -1e30f;
  softmax(&one, 1, 1.0f);
  EXPECT_EQ(one, 1.0f);
}

}  // namespace

void Check_softmax_f32(SoftmaxF32* softmax) {
  ExpectSoftmaxMatchesScalarReference(softmax);
  ExpectSoftmaxOfEqualScoresUniformAndOfOneScoreOne(softmax);
}

void Check_swiglu_f32(SwigluF32* swiglu) {
  std::mt19937 rng(4);
  for (const float range : {1.0f, 12.0f, 200.0f}) {
    for (const int64_t n : kLengths) {
      const std::vector<float> gate = Uniform(n, -range, range, rng), up = Uniform(n, -2.0f, 2.0f, rng);
      std::vector<float> want = gate, got = gate;
      swiglu_f32__scalar(want.data(), up.data(), n);
      swiglu(got.data(), up.data(), n);
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], 2e-6f * std::abs(want[i]) + 1e-30f)
            << "n " << n << " gate " << gate[i] << " up " << up[i];
      }
    }
  }
}

}  // namespace elastiq
