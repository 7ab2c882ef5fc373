// Gradient scaling arithmetic: trainable adapter (and base) parameters of sliced subnets and (n_1 / n_j)^gamma.
#include "lowrank/gradient_scaling.h"

#include <gtest/gtest.h>

namespace elastiq {
namespace {

ModelConfig Config() {
  return ParseModelConfig(
      R"({"vocab_size":100,"d_model":32,"n_layers":2,"repeat":3,"n_heads":4,"n_kv_heads":2,"ffn_dim":64,"max_seq_len":16})",
      "t");
}

TEST(GradientScaling, CountsSlicedAdapterParameters) {
  ModelConfig c = Config();
  // Per layer, r (out + in): wq 32+32, wk 16+32, wv 16+32, wo 32+32, gate 64+32, up 64+32, down 32+64 = 512.
  EXPECT_EQ(CountAdapterParams(c, MaxnetSpec(c), 8), 2 * 8 * 512);  // repeats share their block's adapters
  SubnetSpec s{"s", {1}, 16, {32}, 1, 0};  // q 16, kv 8: 16+16 + 2(8+16) + 16+16 + 3(32+16) = 256
  EXPECT_EQ(CountAdapterParams(c, s, 8), 8 * 256);
  s.rank = 2;
  EXPECT_EQ(CountAdapterParams(c, s, 8), 2 * 256);
  s.rank = 20;  // clamped to the adapters' rank
  EXPECT_EQ(CountAdapterParams(c, s, 8), 8 * 256);
}

TEST(GradientScaling, WeightsAreSizeRatiosToThePowerGamma) {
  EXPECT_DOUBLE_EQ(GradientScale(1000, 250, 1.0), 4.0);
  EXPECT_DOUBLE_EQ(GradientScale(1000, 250, 0.5), 2.0);
  EXPECT_DOUBLE_EQ(GradientScale(1000, 250, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(GradientScale(1000, 1000, 2.0), 1.0);
  EXPECT_DOUBLE_EQ(GradientScale(1000, 250, -1.0), 0.25);  // below 0 the larger subnets weigh more
  ModelConfig c = Config();
  SubnetSpec s{"s", {1}, 16, {32}, 1, 0};
  std::vector<double> w = GradientScales(c, {MaxnetSpec(c), s}, 8, 1.0);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_DOUBLE_EQ(w[0], 1.0);
  EXPECT_DOUBLE_EQ(w[1], 2.0 * 512 / 256);
  EXPECT_DOUBLE_EQ(GradientScales(c, {MaxnetSpec(c), s}, 8, 0.0)[1], 1.0);
}

TEST(GradientScaling, TrainedBaseWeightsCountWithTheAdapters) {
  ModelConfig c = Config();
  SubnetSpec s{"s", {1}, 16, {32}, 1, 0};
  EXPECT_EQ(CountTrainableParams(c, s, 8, false), CountAdapterParams(c, s, 8));
  const int64_t n1 = CountAdapterParams(c, MaxnetSpec(c), 8) + CountParams(c, MaxnetSpec(c)).total();
  const int64_t nj = CountAdapterParams(c, s, 8) + CountParams(c, s).total();
  EXPECT_EQ(CountTrainableParams(c, s, 8, true), nj);
  EXPECT_DOUBLE_EQ(GradientScales(c, {MaxnetSpec(c), s}, 8, 1.0, true)[1], static_cast<double>(n1) / nj);
}

}  // namespace
}  // namespace elastiq
