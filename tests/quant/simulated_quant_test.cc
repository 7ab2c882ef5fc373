// The LibTorch simulated-quantization path against the runtime: the same weight integers and
// scales as quant/weight_quant.cc, the same activation integers as the kernels' quantizer, equal
// integer accumulators (zero point removed), and whole-model logits within 1e-3; plus the
// straight-through gradient of the QAT path.
#include "quant/simulated_quant.h"

#include <gtest/gtest.h>

#include "quant/quantize_file.h"
#include "quant/weight_quant.h"
#include "src/kernels/kernels.h"
#include "src/runtime/engine.h"
#include "supernet/model_io.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

torch::Tensor Vector(const std::vector<float>& v) { return torch::tensor(v); }

TEST(SimulatedQuant, WeightIntegersAndScalesEqualTheRuntimeQuantizer) {
  torch::manual_seed(1);
  const int64_t rows = 40, cols = 96;
  torch::Tensor w = torch::randn({rows, cols}) * 0.05;
  w[3].zero_();  // an all-zero row takes scale 1
  const std::vector<float> flat(w.data_ptr<float>(), w.data_ptr<float>() + rows * cols);
  for (bool ternary : {false, true}) {
    QuantizedMatrix m =
        ternary ? QuantizeTernary(flat.data(), rows, cols, "w") : QuantizeW8(flat.data(), rows, cols, "w");
    std::vector<int8_t> q =
        ternary ? UnpackTernary(m.shape, m.packed_ternary.data()) : UnpackInt8(m.shape, m.packed_int8.data());
    QuantTable t = ternary ? QuantizeRowsTernary(w) : QuantizeRowsW8(w);
    torch::Tensor runtime_q = torch::from_blob(q.data(), {rows, cols}, torch::kInt8).to(torch::kFloat);
    EXPECT_TRUE(torch::equal(t.q, runtime_q)) << (ternary ? "ternary" : "int8");
    EXPECT_TRUE(torch::equal(t.scale, Vector(m.scale))) << (ternary ? "ternary" : "int8");
  }
}

TEST(SimulatedQuant, IntegerAccumulatorsEqualTheRuntimeKernels) {
  torch::manual_seed(2);
  const int64_t rows = 40, cols = 96, tokens = 5;
  const torch::Tensor w = torch::randn({rows, cols}) * 0.05, x = torch::randn({tokens, cols}) * 3 + 0.5;
  const std::vector<float> wf(w.data_ptr<float>(), w.data_ptr<float>() + rows * cols);
  const KernelTable kernels = MakeKernelTable(SelectIsa());
  for (bool ternary : {false, true}) {
    for (auto [r, c] : {std::pair<int64_t, int64_t>{rows, cols}, {24, 64}}) {  // maxnet and a prefix
      SCOPED_TRACE(std::string(ternary ? "ternary " : "w8a8 ") + std::to_string(r) + "x" + std::to_string(c));
      const torch::Tensor xs = x.narrow(1, 0, c).contiguous();
      QuantizedMatrix m =
          ternary ? QuantizeTernary(wf.data(), rows, cols, "w") : QuantizeW8(wf.data(), rows, cols, "w");
      std::vector<uint8_t> xq(static_cast<size_t>(tokens * c));
      std::vector<float> s(tokens);
      std::vector<int32_t> zp(tokens, 0), acc(static_cast<size_t>(tokens * m.shape.rows_padded));
      if (ternary) {
        quantize_f32i8__generic(xs.data_ptr<float>(), c, tokens, c, reinterpret_cast<int8_t*>(xq.data()), s.data());
        kernels.gemm_i8t2_16x32(m.packed_ternary.data(), m.shape.rows_padded, reinterpret_cast<int8_t*>(xq.data()), c,
                                tokens, c, acc.data(), m.shape.rows_padded, 0, m.shape.rows_padded);
      } else {
        quantize_f32u8__generic(xs.data_ptr<float>(), c, tokens, c, xq.data(), s.data(), zp.data());
        kernels.gemm_u8i8_16x32(m.packed_int8.data(), m.shape.rows_padded, xq.data(), c, tokens, c, acc.data(),
                                m.shape.rows_padded, 0, m.shape.rows_padded);
      }
      const QuantActivations a = ternary ? QuantizeActivationsI8(xs) : QuantizeActivationsU8(xs);
      const QuantTable t = ternary ? QuantizeRowsTernary(w) : QuantizeRowsW8(w);
      const torch::Tensor sim = IntegerAccumulators(a, PrefixView(t.q, r, c));
      for (int64_t k = 0; k < tokens; ++k) {
        EXPECT_EQ(a.scale[k][0].item<float>(), s[static_cast<size_t>(k)]);
        EXPECT_EQ(a.zero_point[k][0].item<float>(), static_cast<float>(zp[static_cast<size_t>(k)]));
        for (int64_t i = 0; i < r; ++i) {
          const int32_t correction =
              ternary ? 0
                      : zp[static_cast<size_t>(k)] *
                            m.rowsum[static_cast<size_t>((c / kPanel - 1) * m.shape.rows_padded + i)];
          ASSERT_EQ(static_cast<int64_t>(sim[k][i].item<double>()),
                    acc[static_cast<size_t>(k * m.shape.rows_padded + i)] - correction)
              << "token " << k << " row " << i;
        }
      }
    }
  }
}

TEST(SimulatedQuant, StraightThroughGradientIsTheDequantizedProductsGradient) {
  torch::manual_seed(3);
  auto fake = SimulatedQuant::FakeQuant(SimFormat::kTernary);
  torch::Tensor base = (torch::randn({16, 64}) * 0.05).set_requires_grad(true);
  torch::Tensor x = torch::randn({3, 32}).set_requires_grad(true);
  torch::Tensor g = torch::randn({3, 8});
  (fake->Linear(x, base, 8, 32, "layers.0.wq") * g).sum().backward();
  // Forward: the dequantized ternary product; backward: d/dW = g^T x_q, d/dx = g W_q, as if the
  // rounding were the identity; rows and columns outside the prefix get nothing.
  const QuantTable t = QuantizeRowsTernary(base);
  const torch::Tensor w_q = PrefixView(t.q, 8, 32) * t.scale.narrow(0, 0, 8).unsqueeze(1);
  const QuantActivations a = QuantizeActivationsI8(x);
  const torch::Tensor x_q = a.q * a.scale;
  EXPECT_TRUE(torch::allclose(base.grad().narrow(0, 0, 8).narrow(1, 0, 32), g.t().matmul(x_q), 1e-5, 1e-6));
  EXPECT_EQ(base.grad().narrow(0, 8, 8).abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(base.grad().narrow(1, 32, 32).abs().sum().item<float>(), 0.0f);
  EXPECT_TRUE(torch::allclose(x.grad(), g.matmul(w_q), 1e-5, 1e-6));
  EXPECT_GT((x_q - x).abs().max().item<float>(), 0.0f);  // the forward really is quantized
}

// Whole model: the simulated path on the file's packed integers against the runtime engine.
class QuantizedParity : public ::testing::TestWithParam<const char*> {};

TEST_P(QuantizedParity, LogitsMatchTheRuntimeWithin1e3) {
  testing::ScratchDir dir;
  const ModelConfig c = ParseModelConfig(
      R"({"name":"qp","vocab_size":96,"d_model":64,"n_layers":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":96,"max_seq_len":32})",
      "qp");
  SuperTransformer model(c);
  model->ResetParameters(5);
  {
    ModelFileWriter w(dir / "m.h5", c, kKindCheckpoint, "");
    WriteWeights(model, w);
    w.AddPaletteEntry({MaxnetSpec(c), {}});
    w.Commit();
  }
  const std::string format = GetParam();
  QuantizeModelFile(dir / "m.h5", format, dir / "q.h5");
  const ModelFile file = ModelFile::Open(dir / "q.h5");
  auto sim = SimulatedQuant::FromFile(file, ParseSimFormat(format));
  model->SetLinearHook(sim.get());
  for (const SubnetSpec& spec : {MaxnetSpec(c), SubnetSpec{"half", {1}, 32, {64}, 1, 0}}) {
    SCOPED_TRACE(format + " " + spec.name);
    torch::manual_seed(4);
    torch::Tensor ids = torch::randint(4, c.vocab_size, {1, 12}, torch::kLong);
    std::vector<int> tokens(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + 12);
    torch::Tensor want;
    {
      torch::NoGradGuard g;
      want = model->forward(ids, spec).squeeze(0);
    }
    auto store = WeightStore::Open(dir / "q.h5");
    Engine engine(*store, spec, {.threads = 1, .format = ParseWeightFormat(format)});
    std::span<const float> got = engine.Feed(tokens, /*all_logits=*/true);
    torch::Tensor got_t = torch::from_blob(const_cast<float*>(got.data()), {12, c.vocab_size}, torch::kFloat);
    EXPECT_LT(((got_t - want).abs().max() / want.abs().max()).item<double>(), 1e-3);
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, QuantizedParity, ::testing::Values("w8a8", "ternary"));

}  // namespace
}  // namespace elastiq
