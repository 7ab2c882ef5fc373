// Quantized linear layers in the runtime equal the explicit simulation: dequantized weights times
// fake-quantized activations, for the full matrix and for a subnet's row/column prefix; layers
// applied as one group equal the same layers applied one by one.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "quant/weight_quant.h"
#include "src/kernels/kernels.h"
#include "src/runtime/linear.h"

namespace elastiq {
namespace {

struct Case {
  int64_t rows, cols, sub_rows, sub_cols, tokens;
};

// A (rows x cols) matrix of N(0, 0.05^2) weights in `format`, used as its (sub_rows x sub_cols) prefix.
struct TestLayer {
  std::vector<float> w;
  QuantizedMatrix m;
  Linear l;
};
TestLayer MakeTestLayer(WeightFormat format, const Case& c, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  TestLayer t;
  t.w.resize(static_cast<size_t>(c.rows * c.cols));
  for (float& v : t.w) v = 0.05f * normal(rng);
  t.l.format = format;
  t.l.f32 = {t.w.data(), c.cols, c.sub_rows, c.sub_cols};
  if (format == WeightFormat::kF32) return t;
  const bool w8a8 = format == WeightFormat::kW8A8;
  t.m = w8a8 ? QuantizeW8(t.w.data(), c.rows, c.cols, "w") : QuantizeTernary(t.w.data(), c.rows, c.cols, "w");
  t.l.packed =
      w8a8 ? static_cast<const void*>(t.m.packed_int8.data()) : static_cast<const void*>(t.m.packed_ternary.data());
  t.l.scale = t.m.scale.data();
  t.l.rowsum = w8a8 ? t.m.rowsum.data() : nullptr;
  t.l.rows_padded = t.m.shape.rows_padded;
  return t;
}

void CheckFormat(WeightFormat format) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (Case c :
       {Case{48, 96, 48, 96, 1}, Case{48, 96, 20, 64, 1}, Case{64, 128, 33, 32, 3}, Case{96, 576, 96, 576, 5}}) {
    const TestLayer layer = MakeTestLayer(format, c, rng);
    const QuantizedMatrix& m = layer.m;
    const Linear& l = layer.l;
    const bool w8a8 = format == WeightFormat::kW8A8;
    std::vector<int8_t> q =
        w8a8 ? UnpackInt8(m.shape, m.packed_int8.data()) : UnpackTernary(m.shape, m.packed_ternary.data());
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
        quantize_f32u8__generic(x.data() + t * c.sub_cols, c.sub_cols, 1, c.sub_cols, qa.data(), &s, &zp);
        for (size_t k = 0; k < xa.size(); ++k) xa[k] = static_cast<float>(int32_t{qa[k]} - zp);
      } else {
        std::vector<int8_t> qa(xa.size());
        quantize_f32i8__generic(x.data() + t * c.sub_cols, c.sub_cols, 1, c.sub_cols, qa.data(), &s);
        for (size_t k = 0; k < xa.size(); ++k) xa[k] = qa[k];
      }
      for (int64_t r = 0; r < c.sub_rows; ++r) {
        double sum = 0.0;
        for (int64_t k = 0; k < c.sub_cols; ++k)
          sum += xa[static_cast<size_t>(k)] * q[static_cast<size_t>(r * c.cols + k)];
        const double want = s * m.scale[static_cast<size_t>(r)] * sum;
        EXPECT_NEAR(y[static_cast<size_t>(t * c.sub_rows + r)], want, 1e-5 * (1.0 + std::fabs(want)))
            << WeightFormatName(format) << " rows " << c.sub_rows << "/" << c.rows << " cols " << c.sub_cols << " t "
            << t;
      }
    }
  }
}

TEST(QuantizedLinear, W8A8EqualsSimulation) { CheckFormat(WeightFormat::kW8A8); }
TEST(QuantizedLinear, TernaryEqualsSimulation) { CheckFormat(WeightFormat::kTernary); }

// ApplyLinears over layers of different heights (prefixes not multiples of the 16-row group
// included) equals ApplyLinear on each layer alone, on 1, 2 and 3 threads, for one token and several.
void CheckGroupEqualsSingles(WeightFormat format) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<TestLayer> layers;
  for (Case c : {Case{48, 96, 40, 64, 0}, Case{16, 96, 16, 64, 0}, Case{48, 96, 33, 64, 0}})
    layers.push_back(MakeTestLayer(format, c, rng));
  for (int64_t tokens : {1, 3}) {
    std::vector<float> x(static_cast<size_t>(tokens * 64));
    for (float& v : x) v = normal(rng);
    ThreadPool single_pool(1);
    ExecContext single{&single_pool, MakeKernelTable(SelectIsa())};
    std::vector<std::vector<float>> want;
    for (const TestLayer& t : layers) {
      want.emplace_back(static_cast<size_t>(tokens * t.l.rows()));
      ApplyLinear(single, t.l, x.data(), tokens, want.back().data());
    }
    for (int threads : {1, 2, 3}) {
      ThreadPool pool(threads);
      ExecContext ctx{&pool, MakeKernelTable(SelectIsa())};
      std::vector<std::vector<float>> got;
      std::vector<LinearOutput> outputs;
      for (const TestLayer& t : layers) got.emplace_back(static_cast<size_t>(tokens * t.l.rows()), NAN);
      for (size_t i = 0; i < layers.size(); ++i) outputs.push_back({&layers[i].l, got[i].data()});
      ApplyLinears(ctx, outputs, x.data(), tokens);
      for (size_t i = 0; i < layers.size(); ++i) {
        for (size_t k = 0; k < got[i].size(); ++k) {
          EXPECT_NEAR(got[i][k], want[i][k], 1e-5 * (1.0 + std::fabs(want[i][k])))
              << WeightFormatName(format) << " layer " << i << " element " << k << " tokens " << tokens << " threads "
              << threads;
        }
      }
    }
  }
}

TEST(LinearGroup, F32EqualsSingleLayers) { CheckGroupEqualsSingles(WeightFormat::kF32); }
TEST(LinearGroup, W8A8EqualsSingleLayers) { CheckGroupEqualsSingles(WeightFormat::kW8A8); }
TEST(LinearGroup, TernaryEqualsSingleLayers) { CheckGroupEqualsSingles(WeightFormat::kTernary); }

TEST(ActivationQuant, RoundTripWithinHalfAStep) {
  std::vector<float> x = {-1.5f, 0.0f, 0.25f, 3.0f, -0.01f};
  std::vector<uint8_t> q(x.size());
  float s;
  int32_t zp;
  quantize_f32u8__generic(x.data(), 5, 1, 5, q.data(), &s, &zp);
  EXPECT_FLOAT_EQ(s, 4.5f / 255.0f);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_LE(std::fabs((int32_t{q[i]} - zp) * s - x[i]), 0.5f * s + 1e-6f);
  EXPECT_EQ(q[1], zp);  // zero is exact
  std::vector<int8_t> qi(x.size());
  quantize_f32i8__generic(x.data(), 5, 1, 5, qi.data(), &s);
  EXPECT_FLOAT_EQ(s, 3.0f / 127.0f);
  EXPECT_EQ(qi[3], 127);
  std::vector<float> zeros(8, 0.0f);
  std::vector<uint8_t> qz(8);
  quantize_f32u8__generic(zeros.data(), 8, 1, 8, qz.data(), &s, &zp);
  EXPECT_EQ(s, 1.0f);
}

}  // namespace
}  // namespace elastiq
