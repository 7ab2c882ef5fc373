// Properties of the LibTorch super-transformer: causal masking, GQA vs MHA, RoPE's relative
// positions, `repeat` sharing, subnet slicing equal to a separately built small model, the decode
// cache, and encoder padding invariance.
#include <gtest/gtest.h>

#include "supernet/super_transformer.h"
#include "supernet/transformer_ops.h"

namespace elastiq {
namespace {

ModelConfig Tiny(int n_layers = 3, int n_kv_heads = 2, int repeat = 1, ModelKind kind = ModelKind::kDecoder) {
  ModelConfig c;
  c.name = "tiny";
  c.kind = kind;
  c.vocab_size = 97;
  c.d_model = 64;
  c.n_layers = n_layers;
  c.repeat = repeat;
  c.n_heads = 4;
  c.n_kv_heads = n_kv_heads;
  c.ffn_dim = 64;
  c.max_seq_len = 32;
  if (kind == ModelKind::kEncoder) c.n_classes = 3;
  ValidateModelConfig(c, "test");
  return c;
}

torch::Tensor RandomIds(int64_t T, uint64_t seed, int64_t vocab = 97) {
  torch::manual_seed(seed);
  return torch::randint(4, vocab, {2, T}, torch::kLong);
}

void Copy(torch::Tensor& dst, const torch::Tensor& src) {
  torch::NoGradGuard g;
  dst.copy_(src);
}

TEST(SuperTransformer, FutureTokensNeverChangePastLogits) {
  SuperTransformer m(Tiny());
  m->ResetParameters(1);
  torch::NoGradGuard g;
  torch::Tensor ids = RandomIds(12, 2);
  torch::Tensor a = m->forward(ids, MaxnetSpec(m->config()));
  torch::Tensor changed = ids.clone();
  changed.narrow(1, 6, 6).random_(4, 97);
  torch::Tensor b = m->forward(changed, MaxnetSpec(m->config()));
  EXPECT_TRUE(torch::allclose(a.narrow(1, 0, 6), b.narrow(1, 0, 6), 0, 1e-6));
  // ...while they do change the logits from position 6 on (the test can fail).
  EXPECT_GT((a.narrow(1, 6, 6) - b.narrow(1, 6, 6)).abs().max().item<float>(), 1e-3);
}

TEST(SuperTransformer, GqaEqualsMhaWithRepeatedKvHeads) {
  SuperTransformer gqa(Tiny(2, /*n_kv_heads=*/2)), mha(Tiny(2, /*n_kv_heads=*/4));
  gqa->ResetParameters(3);
  auto src = gqa->named_parameters(), dst = mha->named_parameters();
  const int64_t hd = 16;
  for (auto& p : src) {
    torch::Tensor w = p.value();
    if (p.key().ends_with(".wk") || p.key().ends_with(".wv")) {
      // MHA head h = GQA group h / 2: repeat each group's rows twice.
      w = w.view({2, 1, hd, 64}).expand({2, 2, hd, 64}).reshape({4 * hd, 64});
    }
    Copy(dst[p.key()], w);
  }
  torch::NoGradGuard g;
  torch::Tensor ids = RandomIds(10, 4);
  EXPECT_TRUE(torch::allclose(gqa->forward(ids, MaxnetSpec(gqa->config())),
                              mha->forward(ids, MaxnetSpec(mha->config())), 1e-5, 1e-5));
}

TEST(SuperTransformer, RopeDependsOnlyOnRelativePosition) {
  torch::manual_seed(5);
  torch::Tensor q = torch::randn({1, 1, 1, 16}), k = torch::randn({1, 1, 1, 16});
  auto score = [&](int64_t m, int64_t n) {
    torch::Tensor qm = ApplyRope(q, MakeRopeTables(1, 16, 10000.0, m));
    torch::Tensor kn = ApplyRope(k, MakeRopeTables(1, 16, 10000.0, n));
    return (qm * kn).sum().item<double>();
  };
  EXPECT_NEAR(score(3, 1), score(10, 8), 1e-5);
  EXPECT_NEAR(score(0, 5), score(20, 25), 1e-5);
  EXPECT_GT(std::abs(score(3, 1) - score(3, 2)), 1e-4);  // and it does depend on the offset
  // Rotation preserves norms.
  EXPECT_NEAR(ApplyRope(q, MakeRopeTables(1, 16, 10000.0, 7)).norm().item<double>(), q.norm().item<double>(), 1e-5);
}

TEST(SuperTransformer, RepeatRunsTheSameBlockTwice) {
  SuperTransformer shared(Tiny(2, 2, /*repeat=*/2)), unrolled(Tiny(4, 2, 1));
  shared->ResetParameters(6);
  auto src = shared->named_parameters(), dst = unrolled->named_parameters();
  for (auto& p : dst) {
    std::string name = p.key();
    if (name.rfind("layers.", 0) == 0) {
      int i = std::stoi(name.substr(7));
      name = "layers." + std::to_string(i / 2) + name.substr(name.find('.', 7));
    }
    Copy(p.value(), src[name]);
  }
  torch::NoGradGuard g;
  torch::Tensor ids = RandomIds(9, 7);
  EXPECT_TRUE(torch::allclose(shared->forward(ids, MaxnetSpec(shared->config())),
                              unrolled->forward(ids, MaxnetSpec(unrolled->config())), 1e-5, 1e-6));
}

TEST(SuperTransformer, SlicedSubnetEqualsSmallModelWithSlicedWeights) {
  SuperTransformer big(Tiny(3));
  big->ResetParameters(8);
  // Keep layers {0, 2}, d_model 32 of 64, 1 of 2 KV groups (2 of 4 query heads), ffn 48 of 64.
  const SubnetSpec spec{"small", {0, 2}, 32, {48, 48}, 1, 0};
  ValidateSubnetSpec(spec, big->config(), "test");
  ModelConfig sc = big->config();
  sc.d_model = 32;
  sc.n_layers = 2;
  sc.n_heads = 2;
  sc.n_kv_heads = 1;
  sc.ffn_dim = 48;
  ValidateModelConfig(sc, "small");  // head_dim stays 16
  SuperTransformer small(sc);
  auto src = big->named_parameters();
  for (auto& p : small->named_parameters()) {
    std::string name = p.key();
    if (name.rfind("layers.", 0) == 0) {
      int i = std::stoi(name.substr(7));
      name = "layers." + std::to_string(spec.layers[static_cast<size_t>(i)]) + name.substr(name.find('.', 7));
    }
    torch::Tensor w = src[name];
    for (int64_t dim = 0; dim < w.dim(); ++dim) w = w.narrow(dim, 0, p.value().size(dim));
    Copy(p.value(), w);
  }
  torch::NoGradGuard g;
  torch::Tensor ids = RandomIds(11, 9);
  torch::Tensor sliced = big->forward(ids, spec), separate = small->forward(ids, MaxnetSpec(sc));
  EXPECT_TRUE(torch::allclose(sliced, separate, 1e-5, 1e-6));
  // The slice really is a different function from the maxnet.
  EXPECT_GT((sliced - big->forward(ids, MaxnetSpec(big->config()))).abs().max().item<float>(), 1e-3);
}

// Prompt into a decode cache, then one token at a time: the same logits as the whole sequence at
// once, for the maxnet and a sliced subnet with shared (repeated) blocks.
TEST(SuperTransformer, DecodeCacheEqualsTheWholeSequence) {
  SuperTransformer model(Tiny(3, 2, /*repeat=*/2));
  model->ResetParameters(8);
  torch::NoGradGuard g;
  torch::Tensor ids = RandomIds(12, 9);
  SubnetSpec sliced = MaxnetSpec(model->config());
  sliced.d_model = 32;
  sliced.n_kv_heads = 1;
  sliced.name = "sliced";
  sliced.layers = {0, 2};
  sliced.ffn_dim = {48, 32};
  for (const SubnetSpec& spec : {MaxnetSpec(model->config()), sliced}) {
    const torch::Tensor full = model->forward(ids, spec);
    DecodeCache cache;
    std::vector<torch::Tensor> parts = {model->forward(ids.narrow(1, 0, 7), spec, {.cache = &cache})};
    for (int64_t t = 7; t < 12; ++t) parts.push_back(model->forward(ids.narrow(1, t, 1), spec, {.cache = &cache}));
    EXPECT_EQ(cache.position, 12);
    EXPECT_EQ(cache.k.size(), spec.layers.size() * 2);  // one pair per executed block (repeat 2)
    EXPECT_TRUE(torch::allclose(torch::cat(parts, 1), full, 1e-5, 1e-5)) << spec.name;
  }
  DecodeCache cache;
  model->forward(ids.narrow(1, 0, 3), MaxnetSpec(model->config()), {.cache = &cache});
  EXPECT_THROW(model->forward(ids.narrow(1, 3, 2), MaxnetSpec(model->config()), {.cache = &cache}), c10::Error);
}

TEST(SuperTransformer, EncoderIgnoresPadding) {
  SuperTransformer m(Tiny(2, 2, 1, ModelKind::kEncoder));
  m->ResetParameters(10);
  torch::NoGradGuard g;
  torch::Tensor ids = RandomIds(6, 11).narrow(0, 0, 1);
  torch::Tensor padded = torch::cat({ids, torch::full({1, 4}, 3L)}, 1);
  torch::Tensor mask = torch::cat({torch::zeros({1, 6}, torch::kBool), torch::ones({1, 4}, torch::kBool)}, 1);
  torch::Tensor a = m->forward(ids, MaxnetSpec(m->config()));
  torch::Tensor b = m->forward(padded, MaxnetSpec(m->config()), {.key_padding = mask});
  ASSERT_EQ(a.sizes(), (std::vector<int64_t>{1, 3}));
  EXPECT_TRUE(torch::allclose(a, b, 1e-5, 1e-6));
}

}  // namespace
}  // namespace elastiq
