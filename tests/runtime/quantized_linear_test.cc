// Quantized linear layers in the runtime equal the explicit simulation: dequantized weights times
// fake-quantized activations, for the full matrix and for a subnet's row/column prefix.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "quant/weight_quant.h"
#include "src/kernels/activation_quant.h"
#include "src/runtime/linear.h"

namespace elastiq {
namespace {

struct Case { int64_t rows, cols, sub_rows, sub_cols, tokens; };

void CheckFormat(WeightFormat format) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (Case c : {Case{48, 96, 48, 96, 1}, Case{48, 96, 20, 64, 1}, Case{64, 128, 33, 32, 3}, Case{96, 576, 96, 576, 5}}) {
    std::vector<float> w(static_cast<size_t>(c.rows * c.cols));
    for (float& v : w) v = 0.05f * normal(rng);
    const bool w8a8 = format == WeightFormat::kW8A8;
    QuantizedMatrix m = w8a8 ? QuantizeW8(w.data(), c.rows, c.cols, "w") : QuantizeTernary(w.data(), c.rows, c.cols, "w");
    std::vector<int8_t> q = w8a8 ? UnpackInt8(m.shape, m.packed_int8.data()) : UnpackTernary(m.shape, m.packed_ternary.data());
    Linear l;
    l.format = format;
    l.f32 = {nullptr, c.cols, c.sub_rows, c.sub_cols};
    l.packed = w8a8 ? static_cast<const void*>(m.packed_int8.data()) : static_cast<const void*>(m.packed_ternary.data());
    l.scale = m.scale.data();
    l.rowsum = w8a8 ? m.rowsum.data() : nullptr;
    l.rows_padded = m.shape.rows_padded;
    std::vector<float> x(static_cast<size_t>(c.tokens * c.sub_cols));
    for (float& v : x) v = normal(rng);
    ThreadPool pool(2);
    ExecContext ctx{&pool, MakeKernelTable(SelectIsa())};
    std::vector<float> y(static_cast<size_t>(c.tokens * c.sub_rows));
    ApplyLinear(ctx, l, x.data(), c.tokens, y.data());
    for (int64_t t = 0; t < c.tokens; ++t) {
      // Fake-quantized activations of this token.
      std::vector<float> xa(static_cast<size_t>(c.sub_cols));
      float s;
      if (w8a8) {
        std::vector<uint8_t> qa(xa.size());
        int32_t zp;
        QuantizeActivationsU8(x.data() + t * c.sub_cols, c.sub_cols, 1, c.sub_cols, qa.data(), &s, &zp);
        for (size_t k = 0; k < xa.size(); ++k) xa[k] = static_cast<float>(int32_t{qa[k]} - zp);
      } else {
        std::vector<int8_t> qa(xa.size());
        QuantizeActivationsI8(x.data() + t * c.sub_cols, c.sub_cols, 1, c.sub_cols, qa.data(), &s);
        for (size_t k = 0; k < xa.size(); ++k) xa[k] = qa[k];
      }
      for (int64_t r = 0; r < c.sub_rows; ++r) {
        double sum = 0.0;
        for (int64_t k = 0; k < c.sub_cols; ++k) sum += xa[static_cast<size_t>(k)] * q[static_cast<size_t>(r * c.cols + k)];
        const double want = s * m.scale[static_cast<size_t>(r)] * sum;
        EXPECT_NEAR(y[static_cast<size_t>(t * c.sub_rows + r)], want, 1e-5 * (1.0 + std::fabs(want)))
            << WeightFormatName(format) << " rows " << c.sub_rows << "/" << c.rows << " cols " << c.sub_cols << " t " << t;
      }
    }
  }
}

TEST(QuantizedLinear, W8A8EqualsSimulation) { CheckFormat(WeightFormat::kW8A8); }
TEST(QuantizedLinear, TernaryEqualsSimulation) { CheckFormat(WeightFormat::kTernary); }

TEST(ActivationQuant, RoundTripWithinHalfAStep) {
  std::vector<float> x = {-1.5f, 0.0f, 0.25f, 3.0f, -0.01f};
  std::vector<uint8_t> q(x.size());
  float s;
  int32_t zp;
  QuantizeActivationsU8(x.data(), 5, 1, 5, q.data(), &s, &zp);
  EXPECT_FLOAT_EQ(s, 4.5f / 255.0f);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_LE(std::fabs((int32_t{q[i]} - zp) * s - x[i]), 0.5f * s + 1e-6f);
  EXPECT_EQ(q[1], zp);  // zero is exact
  std::vector<int8_t> qi(x.size());
  QuantizeActivationsI8(x.data(), 5, 1, 5, qi.data(), &s);
  EXPECT_FLOAT_EQ(s, 3.0f / 127.0f);
  EXPECT_EQ(qi[3], 127);
  std::vector<float> zeros(8, 0.0f);
  std::vector<uint8_t> qz(8);
  QuantizeActivationsU8(zeros.data(), 8, 1, 8, qz.data(), &s, &zp);
  EXPECT_EQ(s, 1.0f);
}

}  // namespace
}  // namespace elastiq
