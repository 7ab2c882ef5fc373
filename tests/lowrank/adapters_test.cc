// Low-rank adapters: zero B leaves the model unchanged, a sliced adapter equals the slice of the
// merged weight (rank prefixes too), merging keeps every subnet's function, and save/load round-trips.
#include "lowrank/adapters.h"

#include <gtest/gtest.h>

#include "lowrank/gradient_scaling.h"
#include "src/core/error.h"
#include "supernet/transformer_ops.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

ModelConfig Tiny() {
  ModelConfig c;
  c.name = "tiny";
  c.vocab_size = 50;
  c.d_model = 32;
  c.n_layers = 2;
  c.repeat = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.ffn_dim = 64;
  c.max_seq_len = 16;
  ValidateModelConfig(c, "test");
  return c;
}

SubnetSpec Small() { return {"small", {1}, 16, {24}, 1, 0}; }

void RandomizeB(LowRankAdapters& a, uint64_t seed) {
  torch::NoGradGuard g;
  torch::manual_seed(seed);
  for (auto& p : a->named_parameters()) {
    if (p.key().ends_with("_B")) p.value().normal_(0.0, 0.05);
  }
}

torch::Tensor Ids() {
  torch::manual_seed(11);
  return torch::randint(4, 50, {2, 10}, torch::kLong);
}

TEST(LowRankAdapters, ZeroBLeavesTheModelUnchanged) {
  SuperTransformer m(Tiny());
  m->ResetParameters(1);
  LowRankAdapters a(Tiny(), AdapterOptions{4, 8.0});
  torch::NoGradGuard g;
  torch::Tensor plain = m->forward(Ids(), Small());
  m->SetWeightHook(a.get());
  EXPECT_TRUE(torch::equal(plain, m->forward(Ids(), Small())));
}

TEST(LowRankAdapters, SlicedAdapterEqualsSliceOfTheMergedWeight) {
  SuperTransformer m(Tiny());
  m->ResetParameters(2);
  LowRankAdapters a(Tiny(), AdapterOptions{4, 8.0});
  RandomizeB(a, 3);
  torch::NoGradGuard g;
  const torch::Tensor w0 = m->blocks[1]->w_down;  // (32, 64)
  const torch::Tensor merged = w0 + a->scale() * torch::matmul(a->b(1, Projection::kDown), a->a(1, Projection::kDown));
  SubnetSpec s = Small();
  torch::Tensor eff = a->Effective(1, Projection::kDown, w0, 16, 24, s);
  EXPECT_TRUE(torch::allclose(eff, PrefixView(merged, 16, 24), 0, 1e-6));
  // A rank prefix r' = 2 drops the last adapter ranks, keeping the full-rank scale alpha / r.
  s.rank = 2;
  torch::Tensor low = w0 + a->scale() * torch::matmul(a->b(1, Projection::kDown).narrow(1, 0, 2),
                                                      a->a(1, Projection::kDown).narrow(0, 0, 2));
  EXPECT_TRUE(torch::allclose(a->Effective(1, Projection::kDown, w0, 16, 24, s), PrefixView(low, 16, 24), 0, 1e-6));
}

TEST(LowRankAdapters, MergeThenForwardEqualsForwardWithAdapters) {
  SuperTransformer m(Tiny());
  m->ResetParameters(4);
  LowRankAdapters a(Tiny(), AdapterOptions{4, 8.0});
  RandomizeB(a, 5);
  m->SetWeightHook(a.get());
  torch::NoGradGuard g;
  torch::Tensor with_max = m->forward(Ids(), MaxnetSpec(Tiny())), with_small = m->forward(Ids(), Small());
  a->MergeInto(m);
  m->SetWeightHook(nullptr);
  EXPECT_LT((m->forward(Ids(), MaxnetSpec(Tiny())) - with_max).abs().max().item<float>(), 1e-5);
  EXPECT_LT((m->forward(Ids(), Small()) - with_small).abs().max().item<float>(), 1e-5);
  // The test can fail: the adapters changed the function.
  SuperTransformer fresh(Tiny());
  fresh->ResetParameters(4);
  EXPECT_GT((fresh->forward(Ids(), MaxnetSpec(Tiny())) - with_max).abs().max().item<float>(), 1e-4);
}

TEST(LowRankAdapters, GradientsReachOnlyTheFactors) {
  SuperTransformer m(Tiny());
  m->ResetParameters(6);
  FreezeModel(m);
  LowRankAdapters a(Tiny(), AdapterOptions{4, 8.0});
  m->SetWeightHook(a.get());
  m->forward(Ids(), Small()).sum().backward();
  for (auto& p : m->parameters()) EXPECT_FALSE(p.grad().defined());
  // B is zero, so A gets no gradient yet, B does (only in its slice).
  torch::Tensor gb = a->b(1, Projection::kGate).grad();
  ASSERT_TRUE(gb.defined());
  EXPECT_GT(gb.narrow(0, 0, 24).abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(gb.narrow(0, 24, 40).abs().sum().item<float>(), 0.0f);
  int64_t numel = 0;
  for (auto& p : a->parameters()) numel += p.numel();
  EXPECT_EQ(numel, CountAdapterParams(Tiny(), MaxnetSpec(Tiny()), 4));
}

TEST(LowRankAdapters, SaveLoadRoundTripAndRankMismatch) {
  testing::ScratchDir dir;
  LowRankAdapters a(Tiny(), AdapterOptions{4, 8.0});
  RandomizeB(a, 7);
  {
    H5File f = H5File::Create(dir / "a.h5", "a.h5");
    a->Save(f, "/adapters");
  }
  H5File f = H5File::OpenReadOnly(dir / "a.h5");
  LowRankAdapters b(Tiny(), AdapterOptions{4, 8.0});
  b->Load(f, "/adapters");
  for (auto& p : a->named_parameters()) EXPECT_TRUE(torch::equal(p.value(), b->named_parameters()[p.key()]));
  LowRankAdapters other(Tiny(), AdapterOptions{8, 8.0});
  EXPECT_THROW(other->Load(f, "/adapters"), UserError);
}

}  // namespace
}  // namespace elastiq
