// Palette planning: every subnet of the space is enumerated once (maxnet first), candidates fit their
// budget largest first, and requests no subnet can meet are user errors naming the fix.
#include "src/core/palette_plan.h"

#include <gtest/gtest.h>

#include <set>

#include "src/core/error.h"

namespace elastiq {
namespace {

ModelConfig Config() {
  return ParseModelConfig(R"({"vocab_size":100,"d_model":64,"n_layers":4,"n_heads":4,"n_kv_heads":2,"ffn_dim":128,"max_seq_len":16})", "t");
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
    if (i > 0) EXPECT_LE(CountParams(c, t[1].candidates[i]).total(), CountParams(c, t[1].candidates[i - 1]).total());
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

}  // namespace
}  // namespace elastiq
