// The checks of the per-token activation quantization (kernel_list_test.cc runs them): each equals
// its definition (kernels.h) computed with std::nearbyint, ties to even included, on random rows and
// on rows built so that x / s lands on exact halves.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "tests/kernels/kernel_checks.h"

namespace elastiq {
namespace {

std::vector<std::vector<float>> Rows() {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<std::vector<float>> rows;
  for (int n : {1, 7, 64, 577}) {
    std::vector<float> r(static_cast<size_t>(n));
    for (float& v : r) v = normal(rng);
    rows.push_back(r);
  }
  std::vector<float> ties;  // amax 127 -> s = 1 (int8); halves -127.5 .. 126.5 are exact ties
  for (int k = -127; k < 127; ++k) ties.push_back(static_cast<float>(k) + 0.5f);
  ties.push_back(127.0f);
  rows.push_back(ties);
  std::vector<float> u8_ties;  // min 0, max 255 -> s = 1, zero point 0 (uint8)
  for (int k = 0; k < 255; ++k) u8_ties.push_back(static_cast<float>(k) + 0.5f);
  u8_ties.push_back(255.0f);
  u8_ties.push_back(0.0f);
  rows.push_back(u8_ties);
  rows.push_back(std::vector<float>(33, 0.0f));  // all zero: s = 1
  return rows;
}

}  // namespace

void Check_quantize_f32i8(QuantizeF32I8* quantize) {
  for (const std::vector<float>& r : Rows()) {
    const int64_t n = static_cast<int64_t>(r.size());
    std::vector<int8_t> q(r.size());
    float s = 0;
    quantize(r.data(), n, 1, n, q.data(), &s);
    float amax = 0;
    for (float v : r) amax = std::max(amax, std::fabs(v));
    const float want_s = amax > 0 ? amax / 127.0f : 1.0f;
    ASSERT_EQ(s, want_s);
    for (size_t k = 0; k < r.size(); ++k) {
      ASSERT_EQ(q[k], static_cast<int8_t>(std::clamp(std::nearbyint(r[k] / want_s), -127.0f, 127.0f))) << "x " << r[k];
    }
  }
}

void Check_quantize_f32u8(QuantizeF32U8* quantize) {
  for (const std::vector<float>& r : Rows()) {
    const int64_t n = static_cast<int64_t>(r.size());
    std::vector<uint8_t> q(r.size());
    float s = 0;
    int32_t zp = -1;
    quantize(r.data(), n, 1, n, q.data(), &s, &zp);
    float lo = 0, hi = 0;
    for (float v : r) lo = std::min(lo, v), hi = std::max(hi, v);
    const float want_s = hi - lo > 0 ? (hi - lo) / 255.0f : 1.0f;
    const float want_zp = std::clamp(std::nearbyint(-lo / want_s), 0.0f, 255.0f);
    ASSERT_EQ(s, want_s);
    ASSERT_EQ(zp, static_cast<int32_t>(want_zp));
    for (size_t k = 0; k < r.size(); ++k) {
      ASSERT_EQ(q[k], static_cast<uint8_t>(std::clamp(std::nearbyint(r[k] / want_s) + want_zp, 0.0f, 255.0f)))
          << "x " << r[k];
    }
  }
}

}  // namespace elastiq
