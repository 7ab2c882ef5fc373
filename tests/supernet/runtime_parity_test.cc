// The LibTorch-free runtime against the LibTorch model on the same weights (fp32): logits within
// 1e-4 relative for the maxnet and a sliced subnet, prefill vs token-by-token decode, identical
// greedy generations over 32 tokens, and encoder classification.
#include <gtest/gtest.h>

#include "src/runtime/engine.h"
#include "src/runtime/sampler.h"
#include "supernet/generate.h"
#include "supernet/model_io.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

ModelConfig Config(ModelKind kind = ModelKind::kDecoder) {
  ModelConfig c = ParseModelConfig(
      R"({"name":"parity","vocab_size":120,"d_model":64,"n_layers":3,"repeat":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":96,"max_seq_len":64})",
      "parity");
  if (kind == ModelKind::kEncoder) {
    c.kind = kind;
    c.n_classes = 3;
  }
  return c;
}

// Random weights, norms included, written to a model file.
SuperTransformer WriteModel(const std::string& path, const ModelConfig& c) {
  SuperTransformer m(c);
  m->ResetParameters(11);
  torch::NoGradGuard g;
  for (auto& p : m->named_parameters()) {
    if (p.value().dim() == 1)
      p.value().uniform_(0.5, 1.5);
    else
      p.value().mul_(4.0);  // larger than init: stresses the comparison
  }
  ModelFileWriter w(path, c, kKindCheckpoint, "");
  WriteWeights(m, w);
  w.AddPaletteEntry({MaxnetSpec(c), {}});
  w.Commit();
  return m;
}

double RelativeError(const torch::Tensor& got, const torch::Tensor& want) {
  return ((got - want).abs().max() / want.abs().max()).item<double>();
}

torch::Tensor AsTensor(std::span<const float> v, int64_t rows, int64_t cols) {
  return torch::from_blob(const_cast<float*>(v.data()), {rows, cols}, torch::kFloat).clone();
}

class RuntimeParity : public ::testing::TestWithParam<bool> {};  // param: sliced subnet?

TEST_P(RuntimeParity, LogitsMatchLibTorch) {
  testing::ScratchDir dir;
  const ModelConfig c = Config();
  SuperTransformer model = WriteModel(dir / "m.h5", c);
  const SubnetSpec spec = GetParam() ? SubnetSpec{"sliced", {0, 2}, 48, {64, 32}, 1, 0} : MaxnetSpec(c);
  auto store = WeightStore::Open(dir / "m.h5");
  Engine engine(*store, spec, {.threads = 2});
  torch::manual_seed(3);
  torch::Tensor ids = torch::randint(4, c.vocab_size, {1, 20}, torch::kLong);
  std::vector<int> tokens(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + 20);
  torch::Tensor want;
  {
    torch::NoGradGuard g;
    want = model->forward(ids, spec).squeeze(0);  // (20, vocab)
  }
  // Prefill of 12 tokens (GEMM path) with logits for every position.
  std::span<const float> prefill = engine.Feed(std::span(tokens).first(12), /*all_logits=*/true);
  EXPECT_LT(RelativeError(AsTensor(prefill, 12, c.vocab_size), want.narrow(0, 0, 12)), 1e-4);
  // Then token-by-token decode (GEMV path) from the KV cache.
  for (int t = 12; t < 20; ++t) {
    std::span<const float> step = engine.Feed(std::span(tokens).subspan(static_cast<size_t>(t), 1));
    EXPECT_LT(RelativeError(AsTensor(step, 1, c.vocab_size), want.narrow(0, t, 1)), 1e-4) << "position " << t;
  }
  EXPECT_EQ(engine.position(), 20);
}

TEST_P(RuntimeParity, GreedyGenerationsAreIdentical) {
  testing::ScratchDir dir;
  const ModelConfig c = Config();
  SuperTransformer model = WriteModel(dir / "m.h5", c);
  model->eval();
  const SubnetSpec spec = GetParam() ? SubnetSpec{"sliced", {1, 2}, 32, {96, 48}, 2, 0} : MaxnetSpec(c);
  const std::vector<int> prompt = {1, 17, 42, 9};
  std::vector<int> reference = GenerateReference(model, spec, prompt, 32, {.temperature = 0.0f}, [](int) {});
  EXPECT_GE(reference.size(), 16u);  // a real sequence, not an immediate EOS
  auto store = WeightStore::Open(dir / "m.h5");
  Engine engine(*store, spec, {.threads = 2});
  Sampler greedy({.temperature = 0.0f});
  std::vector<int> runtime;
  std::span<const float> logits = engine.Feed(prompt);
  while (runtime.size() < 32) {
    const int next = greedy.Sample(logits);
    if (next == 2) break;  // EOS, as the reference stops
    runtime.push_back(next);
    logits = engine.Feed(std::span(&runtime.back(), 1));
  }
  EXPECT_EQ(runtime, reference);
}

INSTANTIATE_TEST_SUITE_P(MaxnetAndSliced, RuntimeParity, ::testing::Values(false, true),
                         [](const auto& info) { return std::string(info.param ? "Sliced" : "Maxnet"); });

TEST(RuntimeParityEncoder, ClassLogitsMatchLibTorch) {
  testing::ScratchDir dir;
  const ModelConfig c = Config(ModelKind::kEncoder);
  SuperTransformer model = WriteModel(dir / "m.h5", c);
  auto store = WeightStore::Open(dir / "m.h5");
  Engine engine(*store, MaxnetSpec(c), {.threads = 1});
  torch::Tensor ids = torch::randint(4, c.vocab_size, {1, 15}, torch::kLong);
  std::vector<int> tokens(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + 15);
  torch::NoGradGuard g;
  torch::Tensor want = model->forward(ids, MaxnetSpec(c)).squeeze(0);
  std::vector<float> got = engine.Classify(tokens);
  EXPECT_LT(RelativeError(torch::tensor(got), want), 1e-4);
}

}  // namespace
}  // namespace elastiq
