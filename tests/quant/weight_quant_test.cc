// Weight quantization: error bounds, the zero-point identity, ternary values and scales,
// cumulative row sums, and bad input (NaN/Inf, inner dimension not a multiple of 32).
#include "quant/weight_quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "src/core/error.h"

namespace elastiq {
namespace {

std::vector<float> RandomMatrix(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  std::vector<float> w(static_cast<size_t>(rows * cols));
  for (float& v : w) v = normal(rng);
  return w;
}

TEST(WeightQuant, W8ErrorIsAtMostHalfAStep) {
  const int64_t rows = 40, cols = 96;
  std::vector<float> w = RandomMatrix(rows, cols, 1);
  QuantizedMatrix m = QuantizeW8(w.data(), rows, cols, "w");
  std::vector<int8_t> q = UnpackInt8(m.shape, m.packed_int8.data());
  for (int64_t r = 0; r < rows; ++r) {
    const float s = m.scale[static_cast<size_t>(r)];
    float max_abs = 0.0f;
    for (int64_t c = 0; c < cols; ++c) max_abs = std::max(max_abs, std::fabs(w[static_cast<size_t>(r * cols + c)]));
    EXPECT_FLOAT_EQ(s, max_abs / 127.0f);
    int32_t sum = 0;
    for (int64_t c = 0; c < cols; ++c) {
      const size_t i = static_cast<size_t>(r * cols + c);
      EXPECT_LE(std::fabs(w[i] - s * q[i]), 0.5f * s * 1.0001f);
      sum += q[i];
      if ((c + 1) % kPanel == 0) {
        EXPECT_EQ(m.rowsum[static_cast<size_t>((c / kPanel) * m.shape.rows_padded + r)], sum);
      }
    }
  }
}

TEST(WeightQuant, ZeroPointIdentity) {
  // sum_k (qa[k] - zp) qw[k] == sum_k qa[k] qw[k] - zp * rowsum: what the runtime computes.
  const int64_t rows = 16, cols = 64;
  std::vector<float> w = RandomMatrix(rows, cols, 2);
  QuantizedMatrix m = QuantizeW8(w.data(), rows, cols, "w");
  std::vector<int8_t> q = UnpackInt8(m.shape, m.packed_int8.data());
  std::mt19937 rng(3);
  for (int trial = 0; trial < 20; ++trial) {
    const int32_t zp = static_cast<int32_t>(rng() % 256);
    std::vector<int32_t> qa(static_cast<size_t>(cols));
    for (int32_t& a : qa) a = static_cast<int32_t>(rng() % 256);
    for (int64_t r = 0; r < rows; ++r) {
      int32_t centered = 0, raw = 0;
      for (int64_t c = 0; c < cols; ++c) {
        centered += (qa[static_cast<size_t>(c)] - zp) * q[static_cast<size_t>(r * cols + c)];
        raw += qa[static_cast<size_t>(c)] * q[static_cast<size_t>(r * cols + c)];
      }
      EXPECT_EQ(centered, raw - zp * m.rowsum[static_cast<size_t>((cols / kPanel - 1) * m.shape.rows_padded + r)]);
    }
  }
}

TEST(WeightQuant, TernaryIsAbsmeanPerRow) {
  const int64_t rows = 20, cols = 128;
  std::vector<float> w = RandomMatrix(rows, cols, 4);
  QuantizedMatrix m = QuantizeTernary(w.data(), rows, cols, "w");
  std::vector<int8_t> t = UnpackTernary(m.shape, m.packed_ternary.data());
  EXPECT_EQ(static_cast<int64_t>(m.packed_ternary.size()) * 4, m.shape.int8_bytes());  // 2 bits per weight
  for (int64_t r = 0; r < rows; ++r) {
    double mean_abs = 0.0;
    for (int64_t c = 0; c < cols; ++c) mean_abs += std::fabs(w[static_cast<size_t>(r * cols + c)]);
    mean_abs /= cols;
    EXPECT_NEAR(m.scale[static_cast<size_t>(r)], mean_abs, 1e-7);
    for (int64_t c = 0; c < cols; ++c) {
      const float v = w[static_cast<size_t>(r * cols + c)] / static_cast<float>(mean_abs);
      const int8_t want = v > 0.5f ? 1 : (v < -0.5f ? -1 : 0);
      EXPECT_EQ(t[static_cast<size_t>(r * cols + c)], want) << v;
    }
  }
}

TEST(WeightQuant, BadInputIsRefused) {
  std::vector<float> w = RandomMatrix(16, 64, 5);
  w[17] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(QuantizeW8(w.data(), 16, 64, "layers.0.wq"), UserError);
  w[17] = std::numeric_limits<float>::infinity();
  EXPECT_THROW(QuantizeTernary(w.data(), 16, 64, "layers.0.wq"), UserError);
  std::vector<float> odd = RandomMatrix(16, 48, 6);
  try {
    QuantizeW8(odd.data(), 16, 48, "layers.0.w_up");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("layers.0.w_up: inner dimension 48 is not a multiple of 32"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace elastiq
