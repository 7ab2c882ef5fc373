// Palette planning: every subnet of the space is enumerated once (maxnet first), candidates fit their
// budget largest first, and requests no subnet can meet are user errors naming the fix; MLFS's
// sampling pools are those candidates.
#include "src/core/palette_plan.h"

#include <gtest/gtest.h>

#include <set>

#include "src/core/error.h"

namespace elastiq {
namespace {

ModelConfig Config() {
  return ParseModelConfig(
      R"({"vocab_size":100,"d_model":64,"n_layers":4,"n_heads":4,"n_kv_heads":2,"ffn_dim":128,"max_seq_len":16})", "t");
}

TEST(PalettePlan, EnumeratesTheSpaceOnce) {
  ModelConfig c = Config();
  SubnetSpace s = DefaultSubnetSpace(c);  // 3 widths x 4 ffn x 2 kv x 3 depths, one of them the maxnet
  std::vector<SubnetSpec> all = EnumerateSubnets(s, c);
  EXPECT_EQ(all.size(), 3u * 4 * 2 * 3);
  EXPECT_TRUE(IsMaxnet(all[0], c));
  std::set<std::string> names;
  for (const SubnetSpec& spec : all) names.insert(spec.name);
  EXPECT_EQ(names.size(), all.size());
}

TEST(PalettePlan, CandidatesFitTheirBudgetLargestFirst) {
  ModelConfig c = Config();
  std::vector<PaletteTarget> t = PlanPalette(DefaultSubnetSpace(c), c, {1.0, 0.5}, 5);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].name, "p100");
  EXPECT_TRUE(IsMaxnet(t[0].candidates[0], c));
  EXPECT_EQ(t[1].name, "p50");
  EXPECT_EQ(t[1].candidates.size(), 5u);
  for (size_t i = 0; i < t[1].candidates.size(); ++i) {
    EXPECT_LE(CountParams(c, t[1].candidates[i]).total(), t[1].budget);
    if (i > 0) {
      EXPECT_LE(CountParams(c, t[1].candidates[i]).total(), CountParams(c, t[1].candidates[i - 1]).total());
    }
  }
}

TEST(PalettePlan, ImpossibleRequestsAreUserErrors) {
  ModelConfig c = Config();
  SubnetSpace s = DefaultSubnetSpace(c);
  EXPECT_THROW(PlanPalette(s, c, {}, 4), UserError);
  EXPECT_THROW(PlanPalette(s, c, {1.5}, 4), UserError);
  EXPECT_THROW(PlanPalette(s, c, {0.5, 0.5}, 4), UserError);
  try {
    PlanPalette(s, c, {0.01}, 4);
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("no subnet of the search space has at most"), std::string::npos) << e.what();
  }
}

TEST(PalettePlan, SamplingPoolsHoldEachSizesCandidatesWithoutTheMaxnet) {
  ModelConfig c = Config();
  SubnetSpace s = DefaultSubnetSpace(c);
  const std::vector<double> sizes = {1.0, 0.5, 0.25};
  std::vector<std::vector<SubnetSpec>> pools = SamplingPools(s, c, sizes, 3, /*full_depth=*/false);
  std::vector<PaletteTarget> plan = PlanPalette(s, c, sizes, 4);
  ASSERT_EQ(pools.size(), 3u);
  for (size_t i = 0; i < pools.size(); ++i) {
    ASSERT_EQ(pools[i].size(), 3u);
    for (const SubnetSpec& spec : pools[i]) {
      EXPECT_FALSE(IsMaxnet(spec, c));
      EXPECT_LE(CountParams(c, spec).total(), plan[i].budget);
    }
  }
  // Below the maxnet the pool is the palette search's own candidate list.
  for (size_t i = 1; i < 3; ++i) {
    for (size_t k = 0; k < 3; ++k) EXPECT_EQ(pools[i][k].name, plan[i].candidates[k].name) << sizes[i];
  }
  EXPECT_EQ(pools[0][0].name, plan[0].candidates[1].name);  // p100's first candidate is the maxnet
  // Stage 1: full depth only; a size no full-depth subnet meets gets the smallest full-depth one.
  std::vector<std::vector<SubnetSpec>> full = SamplingPools(s, c, {0.6, 0.05}, 3, /*full_depth=*/true);
  for (const SubnetSpec& spec : full[0]) EXPECT_EQ(spec.layers.size(), 4u);
  ASSERT_EQ(full[1].size(), 1u);
  EXPECT_EQ(full[1][0].name, SmallestSubnet(s, c, /*full_depth=*/true).name);
  EXPECT_THROW(SamplingPools(s, c, {0.5, 0.0}, 3, false), UserError);
}

TEST(PalettePlan, ExactPoolsHoldOneShapeEach) {
  ModelConfig c = Config();
  SubnetSpec a = MakeSubnetSpec(c, 48, 96, 1, 3, DepthPolicy::kEvenlySpaced, "p60");
  SubnetSpec b = MakeSubnetSpec(c, 32, 32, 2, 2, DepthPolicy::kFirstK, "p30");
  b.ffn_dim = {32, 64};  // per-layer widths
  std::vector<std::vector<SubnetSpec>> pools = ExactPools({a, b}, c, /*full_depth=*/false);
  ASSERT_EQ(pools.size(), 2u);
  ASSERT_EQ(pools[0].size(), 1u);
  EXPECT_EQ(pools[0][0].name, "p60");
  EXPECT_EQ(pools[1][0].ffn_dim, b.ffn_dim);
  EXPECT_EQ(pools[1][0].layers, b.layers);
  // Stage 1: the same widths at every layer, the widest FFN of the shape.
  std::vector<std::vector<SubnetSpec>> full = ExactPools({a, b}, c, /*full_depth=*/true);
  EXPECT_EQ(full[0][0].layers, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(full[0][0].d_model, 48);
  EXPECT_EQ(full[0][0].n_kv_heads, 1);
  EXPECT_EQ(full[0][0].ffn_dim, (std::vector<int>(4, 96)));
  EXPECT_EQ(full[1][0].ffn_dim, (std::vector<int>(4, 64)));
  EXPECT_EQ(full[1][0].n_kv_heads, 2);
}

TEST(PalettePlan, RandomPaletteKeepsWidthsToTheMultipleAndLeavesOutTheMaxnet) {
  const ModelConfig c = Config();
  const std::vector<PaletteTarget> targets = PlanRandomPalette(c, {1.0, 0.5, 0.25}, 32);
  ASSERT_EQ(targets.size(), 2u);  // size 1.0 is the maxnet, which every file holds already
  for (const PaletteTarget& t : targets) {
    const SubnetSpec& spec = t.candidates.front();
    EXPECT_EQ(spec.name, t.name);
    EXPECT_FALSE(IsMaxnet(spec, c));
    EXPECT_EQ(spec.d_model % 32, 0) << t.name;
    for (int f : spec.ffn_dim) EXPECT_EQ(f % 32, 0) << t.name;
    EXPECT_LE(CountParams(c, spec).total(), t.budget) << t.name;
  }
  EXPECT_EQ(targets[0].name, "p50");
  EXPECT_EQ(targets[1].name, "p25");
}

}  // namespace
}  // namespace elastiq
