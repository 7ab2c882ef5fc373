// Importance rewiring: function-preserving for the maxnet (decoder with GQA and repeat, encoder),
// dead units move to the end, and the rewired importance comes out in descending order.
#include "supernet/rewiring.h"

#include <gtest/gtest.h>

namespace elastiq {
namespace {

ModelConfig Tiny(ModelKind kind = ModelKind::kDecoder) {
  ModelConfig c;
  c.name = "tiny";
  c.kind = kind;
  c.vocab_size = 50;
  c.d_model = 32;
  c.n_layers = 2;
  c.repeat = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.ffn_dim = 48;
  c.max_seq_len = 16;
  if (kind == ModelKind::kEncoder) c.n_classes = 3;
  ValidateModelConfig(c, "test");
  return c;
}

torch::Tensor Ids(int64_t batch) {
  torch::manual_seed(100 + static_cast<uint64_t>(batch));
  return torch::randint(4, 50, {3, 13}, torch::kLong);
}

// Next-token loss on random ids (decoder) or a fixed random label (encoder).
torch::Tensor CalibrationLossOf(SuperTransformer& m, int64_t batch) {
  torch::Tensor ids = Ids(batch);
  const SubnetSpec maxnet = MaxnetSpec(m->config());
  if (m->config().is_encoder()) {
    return torch::nn::functional::cross_entropy(m->forward(ids, maxnet), torch::tensor({0, 1, 2}, torch::kLong));
  }
  torch::Tensor logits = m->forward(ids.narrow(1, 0, 12), maxnet);
  return torch::nn::functional::cross_entropy(logits.reshape({-1, 50}), ids.narrow(1, 1, 12).reshape({-1}));
}

void ExpectRewiringPreservesMaxnet(ModelKind kind) {
  SuperTransformer m(Tiny(kind));
  m->ResetParameters(5);
  torch::Tensor ids = Ids(99).narrow(1, 0, 12);
  torch::Tensor before, after;
  {
    torch::NoGradGuard g;
    before = m->forward(ids, MaxnetSpec(m->config()));
  }
  ChannelOrder order = RewireByImportance(m, CalibrationLossOf, 2);
  // The test must be able to fail: the permutation is not the identity.
  EXPECT_FALSE(torch::equal(order.hidden, torch::arange(32, torch::kLong)));
  torch::NoGradGuard g;
  after = m->forward(ids, MaxnetSpec(m->config()));
  EXPECT_LT((before - after).abs().max().item<float>(), 1e-5);
  for (auto& p : m->parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(Rewiring, PreservesTheDecoderMaxnet) { ExpectRewiringPreservesMaxnet(ModelKind::kDecoder); }
TEST(Rewiring, PreservesTheEncoderMaxnet) { ExpectRewiringPreservesMaxnet(ModelKind::kEncoder); }

TEST(Rewiring, DeadUnitsMoveToTheEnd) {
  SuperTransformer m(Tiny());
  m->ResetParameters(6);
  {
    torch::NoGradGuard g;
    Block& b = m->blocks[0];
    b->w_gate[3].zero_();  // FFN neuron 3 of layer 0 contributes nothing
    b->w_up[3].zero_();
    b->w_down.select(1, 3).zero_();
    m->blocks[1]->wv.narrow(0, 0, 8).zero_();  // KV group 0 of layer 1: values are zero
    m->blocks[1]->wk.narrow(0, 0, 8).zero_();
    m->blocks[1]->wq.narrow(0, 0, 16).zero_();
    m->blocks[1]->wo.narrow(1, 0, 16).zero_();
  }
  ChannelOrder order = RewireByImportance(m, CalibrationLossOf, 1);
  EXPECT_EQ(order.ffn[0][47].item<int64_t>(), 3);
  EXPECT_EQ(order.kv_groups[1][1].item<int64_t>(), 0);
  // The dead neuron now sits at the end of the prefix order.
  EXPECT_EQ(m->blocks[0]->w_gate[47].abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(m->blocks[1]->wo.narrow(1, 16, 16).abs().sum().item<float>(), 0.0f);
}

TEST(Rewiring, ImportanceIsDescendingAfterwards) {
  SuperTransformer m(Tiny());
  m->ResetParameters(7);
  RewireByImportance(m, CalibrationLossOf, 2);
  ChannelOrder imp = MeasureImportance(m, CalibrationLossOf, 2);
  auto descending = [](const torch::Tensor& s) {
    torch::Tensor d = s.narrow(0, 0, s.size(0) - 1) - s.narrow(0, 1, s.size(0) - 1);
    return d.min().item<float>() >= -1e-4f * s.max().item<float>();
  };
  EXPECT_TRUE(descending(imp.hidden));
  for (const torch::Tensor& f : imp.ffn) EXPECT_TRUE(descending(f));
  for (const torch::Tensor& k : imp.kv_groups) EXPECT_TRUE(descending(k));
}

}  // namespace
}  // namespace elastiq
