// SubnetSpec: the maxnet, validation of specs that do not nest, JSON round trip, parameter counts.
#include "src/core/subnet_spec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "src/core/error.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

ModelConfig Config() {
  return ParseModelConfig(
      R"({"vocab_size":100,"d_model":32,"n_layers":4,"n_heads":4,"n_kv_heads":2,"ffn_dim":64,"max_seq_len":16})", "t");
}

TEST(SubnetSpec, MaxnetCoversEverything) {
  ModelConfig c = Config();
  SubnetSpec m = MaxnetSpec(c);
  EXPECT_EQ(m.layers, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_TRUE(IsMaxnet(m, c));
  EXPECT_NO_THROW(ValidateSubnetSpec(m, c, "t"));
  // embed 100x32, per layer: 2*32 norms + q 32x32 + k,v 2*(32x16) + o 32x32 + ffn 3*32x64, final norm 32.
  EXPECT_EQ(CountParams(c, m).embedding, 3200);
  EXPECT_EQ(CountParams(c, m).total(), 3200 + 4 * (64 + 1024 + 1024 + 1024 + 6144) + 32);
}

TEST(SubnetSpec, RejectsSpecsThatDoNotNest) {
  ModelConfig c = Config();
  auto bad = [&](auto mutate) {
    SubnetSpec s = MaxnetSpec(c, "x");
    mutate(s);
    EXPECT_THROW(ValidateSubnetSpec(s, c, "t"), UserError);
  };
  bad([](SubnetSpec& s) { s.d_model = 64; });
  bad([](SubnetSpec& s) { s.n_kv_heads = 3; });
  bad([](SubnetSpec& s) {
    s.layers = {0, 4};
    s.ffn_dim = {64, 64};
  });
  bad([](SubnetSpec& s) {
    s.layers = {2, 1};
    s.ffn_dim = {64, 64};
  });
  bad([](SubnetSpec& s) { s.ffn_dim[0] = 65; });
  bad([](SubnetSpec& s) { s.ffn_dim.pop_back(); });
  bad([](SubnetSpec& s) {
    s.layers.clear();
    s.ffn_dim.clear();
  });
}

TEST(SubnetSpec, JsonRoundTripAndSmallerCounts) {
  ModelConfig c = Config();
  SubnetSpec s{"small", {0, 2}, 16, {32, 48}, 1, 4};
  ValidateSubnetSpec(s, c, "t");
  SubnetSpec back = ParseSubnetSpec(SubnetSpecToJson(s), "t");
  EXPECT_EQ(back.name, "small");
  EXPECT_EQ(back.layers, s.layers);
  EXPECT_EQ(back.ffn_dim, s.ffn_dim);
  EXPECT_EQ(back.d_model, 16);
  EXPECT_EQ(back.n_kv_heads, 1);
  EXPECT_EQ(back.rank, 4);
  EXPECT_EQ(s.n_heads(c), 2);
  EXPECT_LT(CountParams(c, s).total(), CountParams(c, MaxnetSpec(c)).total());
  EXPECT_FALSE(IsMaxnet(s, c));
}

TEST(SubnetSpec, FieldsOfTheWrongJsonTypeAreUserErrorsNamingTheField) {
  const std::string good = SubnetSpecToJson({"small", {0, 2}, 16, {32, 48}, 1, 0});
  auto error_with = [&](const std::string& field, const nlohmann::json& value) {
    nlohmann::json j = nlohmann::json::parse(good);
    j[field] = value;
    return testing::UserErrorMessage([&] { ParseSubnetSpec(j.dump(), "m.h5 /palette/small"); });
  };
  EXPECT_EQ(error_with("name", 5), "m.h5 /palette/small: field \"name\" must be a string, got 5");
  EXPECT_EQ(error_with("layers", {{"a", 1}}),
            "m.h5 /palette/small: field \"layers\" must be an array of integers, got {\"a\":1}");
  EXPECT_EQ(error_with("ffn_dim", {32, "48"}),
            "m.h5 /palette/small: field \"ffn_dim\" item must be an integer, got \"48\"");
  EXPECT_EQ(error_with("d_model", "16"), "m.h5 /palette/small: field \"d_model\" must be an integer, got \"16\"");
  EXPECT_EQ(error_with("rank", 1.5), "m.h5 /palette/small: field \"rank\" must be an integer, got 1.5");
  EXPECT_EQ(error_with("n_kv_heads", 4294967297LL),
            "m.h5 /palette/small: field \"n_kv_heads\" is out of range, got 4294967297");
  EXPECT_EQ(testing::UserErrorMessage([] { ParseSubnetSpec("[]", "s"); }), "s: not a JSON object (a subnet spec)");
}

}  // namespace
}  // namespace elastiq
