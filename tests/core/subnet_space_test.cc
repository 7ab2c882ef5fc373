// Search space: depth policies, the JSON form and its nesting checks (each names the field), and
// the sandwich sampler (maxnet first, smallest second, random ones reproducible per step).
#include "src/core/subnet_space.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "src/core/error.h"
#include "src/core/palette_plan.h"

namespace elastiq {
namespace {

ModelConfig Config() {
  return ParseModelConfig(
      R"({"vocab_size":100,"d_model":64,"n_layers":6,"n_heads":4,"n_kv_heads":2,"ffn_dim":128,"max_seq_len":16})", "t");
}

void ExpectSpaceError(const std::string& json_text, const std::string& needle) {
  try {
    ParseSubnetSpace(json_text, Config(), "space.json");
    FAIL() << "accepted " << json_text;
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("space.json", 0), 0u) << e.what();
  }
}

TEST(SubnetSpace, DepthPolicies) {
  EXPECT_EQ(DepthLayers(6, 3, DepthPolicy::kFirstK), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(DepthLayers(6, 3, DepthPolicy::kEvenlySpaced), (std::vector<int>{0, 3, 5}));  // 0, 2.5, 5
  EXPECT_EQ(DepthLayers(6, 6, DepthPolicy::kEvenlySpaced), (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(DepthLayers(6, 1, DepthPolicy::kEvenlySpaced), (std::vector<int>{0}));
  EXPECT_EQ(DepthLayers(30, 4, DepthPolicy::kEvenlySpaced), (std::vector<int>{0, 10, 19, 29}));
  for (int n = 1; n <= 12; ++n) {
    for (int k = 1; k <= n; ++k) {
      std::vector<int> l = DepthLayers(n, k, DepthPolicy::kEvenlySpaced);
      ASSERT_EQ(l.size(), static_cast<size_t>(k));
      for (size_t i = 1; i < l.size(); ++i) ASSERT_LT(l[i - 1], l[i]) << n << " " << k;
      ASSERT_LT(l.back(), n);
    }
  }
  EXPECT_EQ(ParseDepthPolicy("first-k", "t"), DepthPolicy::kFirstK);
  EXPECT_THROW(ParseDepthPolicy("last-k", "t"), UserError);
}

TEST(SubnetSpace, DefaultNestsAndJsonRoundTrips) {
  ModelConfig c = Config();
  SubnetSpace s = DefaultSubnetSpace(c);
  EXPECT_EQ(s.d_model, (std::vector<int>{32, 48, 64}));
  EXPECT_EQ(s.ffn_dim, (std::vector<int>{32, 64, 96, 128}));
  EXPECT_EQ(s.n_kv_heads, (std::vector<int>{1, 2}));
  EXPECT_EQ(s.depth, (std::vector<int>{3, 4, 5, 6}));
  SubnetSpace back = ParseSubnetSpace(SubnetSpaceToJson(s), c, "t");
  EXPECT_EQ(back.d_model, s.d_model);
  EXPECT_EQ(back.depth, s.depth);
  SubnetSpace given = ParseSubnetSpace(R"({"d_model":[48,16],"n_heads":[2],"depth_policy":"first-k"})", c, "t");
  EXPECT_EQ(given.d_model, (std::vector<int>{16, 48}));  // sorted
  EXPECT_EQ(given.n_kv_heads, (std::vector<int>{1}));    // 2 query heads = 1 group of 2
  EXPECT_EQ(given.depth_policy, DepthPolicy::kFirstK);
  EXPECT_EQ(given.ffn_dim, s.ffn_dim);  // default
}

TEST(SubnetSpace, SpacesThatDoNotNestNameTheField) {
  ExpectSpaceError(R"({"d_model":[32,96]})", "\"d_model\" has 96, outside 1..64");
  ExpectSpaceError(R"({"ffn_dim":[0]})", "\"ffn_dim\" has 0");
  ExpectSpaceError(R"({"n_kv_heads":[3]})", "\"n_kv_heads\" has 3, outside 1..2");
  ExpectSpaceError(R"({"n_heads":[3]})", "\"n_heads\" has 3, not a multiple of the teacher's 2 query heads");
  ExpectSpaceError(R"({"depth":[7]})", "\"depth\" has 7, outside 1..6");
  ExpectSpaceError(R"({"depth":[]})", "\"depth\" must be a non-empty array");
  ExpectSpaceError(R"({"depth":[2.5]})", "\"depth\" item must be an integer, got 2.5");
  ExpectSpaceError(R"({"depth":"4"})", "\"depth\" must be an array of integers, got \"4\"");
  ExpectSpaceError(R"({"depth_policy":3})", "\"depth_policy\" must be a string, got 3");
  ExpectSpaceError(R"({"widths":[2]})", "unknown field \"widths\"");
  ExpectSpaceError(R"({"depth_policy":"random"})", "depth policy must be");
  ExpectSpaceError(R"([1,2])", "not a JSON object");
}

TEST(SubnetSpace, SandwichIsMaxnetThenSmallestThenRandom) {
  ModelConfig c = Config();
  SubnetSpace s = DefaultSubnetSpace(c);
  std::vector<SubnetSpec> a = SampleSandwich(s, c, 4, /*full_depth=*/false, 7, 3);
  ASSERT_EQ(a.size(), 4u);
  EXPECT_TRUE(IsMaxnet(a[0], c));
  EXPECT_EQ(a[1].d_model, 32);
  EXPECT_EQ(a[1].ffn_dim, (std::vector<int>{32, 32, 32}));
  EXPECT_EQ(a[1].layers, (std::vector<int>{0, 3, 5}));
  EXPECT_EQ(a[1].n_kv_heads, 1);
  for (const SubnetSpec& spec : a) EXPECT_NO_THROW(ValidateSubnetSpec(spec, c, "t"));
  // Pure function of (seed, step); other steps draw other subnets.
  std::vector<SubnetSpec> again = SampleSandwich(s, c, 4, false, 7, 3);
  bool differs = false;
  for (int64_t step = 0; step < 20; ++step) {
    std::vector<SubnetSpec> b = SampleSandwich(s, c, 4, false, 7, step);
    differs |= SubnetSpecToJson(b[2]) != SubnetSpecToJson(a[2]);
  }
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(SubnetSpecToJson(a[i]), SubnetSpecToJson(again[i]));
  EXPECT_TRUE(differs);
  // Stage 1: full depth everywhere.
  for (const SubnetSpec& spec : SampleSandwich(s, c, 5, /*full_depth=*/true, 1, 9)) EXPECT_EQ(spec.layers.size(), 6u);
  EXPECT_EQ(SampleSandwich(s, c, 1, false, 1, 0).size(), 1u);
}

TEST(SubnetSpace, SandwichWithPoolsDrawsFromEachPoolInTurn) {
  ModelConfig c = Config();
  SubnetSpace s = DefaultSubnetSpace(c);
  const std::vector<std::vector<SubnetSpec>> pools = SamplingPools(s, c, {0.6, 0.3}, 4, /*full_depth=*/false);
  auto in = [](const SubnetSpec& spec, const std::vector<SubnetSpec>& pool) {
    return std::any_of(pool.begin(), pool.end(), [&](const SubnetSpec& p) { return p.name == spec.name; });
  };
  std::set<std::string> drawn;
  for (int64_t step = 0; step < 40; ++step) {
    std::vector<SubnetSpec> a = SampleSandwich(s, c, 5, /*full_depth=*/false, 7, step, pools);
    ASSERT_EQ(a.size(), 5u);
    EXPECT_TRUE(IsMaxnet(a[0], c));
    EXPECT_EQ(a[1].name, SmallestSubnet(s, c, false).name);
    for (int i = 2; i < 5; ++i) {
      // Draw k of the run is the (k mod 2)-th pool's: 3 draws per step, so the pools alternate across steps too.
      const int64_t k = step * 3 + (i - 2);
      EXPECT_TRUE(in(a[static_cast<size_t>(i)], pools[static_cast<size_t>(k % 2)])) << "step " << step << " draw " << i;
      drawn.insert(a[static_cast<size_t>(i)].name);
    }
    std::vector<SubnetSpec> again = SampleSandwich(s, c, 5, false, 7, step, pools);
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(again[i].name, a[i].name);
  }
  EXPECT_EQ(drawn.size(), 8u);  // every member of both pools comes up
}

}  // namespace
}  // namespace elastiq
