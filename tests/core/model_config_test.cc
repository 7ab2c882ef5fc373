// ModelConfig parsing and validation: the shipped configs load, inconsistent sizes are refused.
#include "src/core/model_config.h"

#include <gtest/gtest.h>

#include "src/core/error.h"
#include "src/core/subnet_spec.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

const char* kValid =
    R"({"name":"t","vocab_size":512,"d_model":64,"n_layers":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":128,"max_seq_len":32})";

std::string ErrorOf(const std::string& json) {
  try {
    ParseModelConfig(json, "cfg.json");
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

std::string With(const std::string& field, const std::string& value) {
  std::string j = kValid;
  size_t pos = j.find("\"" + field + "\":");
  if (pos == std::string::npos) return j.substr(0, j.size() - 1) + ",\"" + field + "\":" + value + "}";
  size_t start = pos + field.size() + 3, end = j.find_first_of(",}", start);
  return j.substr(0, start) + value + j.substr(end);
}

TEST(ModelConfig, ParsesAndRoundTrips) {
  ModelConfig c = ParseModelConfig(kValid, "cfg.json");
  EXPECT_EQ(c.head_dim(), 16);
  EXPECT_EQ(c.group_size(), 2);
  EXPECT_EQ(c.repeat, 1);
  ModelConfig again = ParseModelConfig(ModelConfigToJson(c), "again");
  EXPECT_EQ(DescribeConfigDifference(c, again), "");
  again.d_model = 32;
  EXPECT_EQ(DescribeConfigDifference(c, again), "d_model: 64 vs 32");
}

TEST(ModelConfig, RejectsInconsistentSizesNamingTheField) {
  EXPECT_EQ(ErrorOf(kValid), "");
  EXPECT_NE(ErrorOf(With("n_heads", "5")).find("n_heads (5) must divide d_model (64)"), std::string::npos);
  EXPECT_NE(ErrorOf(With("n_kv_heads", "3")).find("n_kv_heads (3) must divide n_heads (4)"), std::string::npos);
  EXPECT_NE(ErrorOf(With("d_model", "-64")).find("\"d_model\" must be positive"), std::string::npos);
  EXPECT_NE(ErrorOf(With("ffn_dim", "\"wide\"")).find("\"ffn_dim\" must be an integer"), std::string::npos);
  EXPECT_NE(ErrorOf(With("kind", "\"encoder\"")).find("n_classes"), std::string::npos);
  EXPECT_NE(ErrorOf(With("kind", "\"gpt\"")).find("\"kind\""), std::string::npos);
  EXPECT_NE(ErrorOf(With("n_heads", "64")).find("must be even"), std::string::npos);  // head_dim 1
  EXPECT_NE(ErrorOf("{\"d_model\": 8}").find("missing field \"vocab_size\""), std::string::npos);
  EXPECT_NE(ErrorOf("not json").find("cfg.json: not a JSON object"), std::string::npos);
  // 2^32 + 64 and 2^63 are not cut to 32 bits (64, 0): they are out of range.
  EXPECT_NE(ErrorOf(With("d_model", "4294967360")).find("\"d_model\" is out of range"), std::string::npos);
  EXPECT_NE(ErrorOf(With("d_model", "9223372036854775808")).find("\"d_model\" is out of range"), std::string::npos);
  EXPECT_NE(ErrorOf(With("n_layers", "-4294967294")).find("\"n_layers\" is out of range"), std::string::npos);
}

TEST(ModelConfig, FieldsOfTheWrongJsonTypeAreUserErrorsNamingTheField) {
  EXPECT_EQ(ErrorOf(With("name", "5")), "cfg.json: field \"name\" must be a string, got 5");
  EXPECT_EQ(ErrorOf(With("kind", "3")), "cfg.json: field \"kind\" must be a string, got 3");
  EXPECT_EQ(ErrorOf(With("d_model", "\"x\"")), "cfg.json: field \"d_model\" must be an integer, got \"x\"");
  EXPECT_EQ(ErrorOf(With("rope_theta", "\"a\"")), "cfg.json: field \"rope_theta\" must be a number, got \"a\"");
  EXPECT_EQ(ErrorOf(With("norm_eps", "[1]")), "cfg.json: field \"norm_eps\" must be a number, got [1]");
  EXPECT_EQ(ErrorOf(With("n_kv_heads", "{}")), "cfg.json: field \"n_kv_heads\" must be an integer, got {}");
  EXPECT_EQ(ErrorOf(With("repeat", "null")), "cfg.json: field \"repeat\" must be an integer, got null");
}

TEST(ModelConfig, ShippedConfigsLoadWithExpectedSizes) {
  ModelConfig m125 = LoadModelConfig(testing::ConfigPath("mobilellm-125m.json"));
  EXPECT_EQ(m125.d_model, 576);
  EXPECT_EQ(m125.head_dim(), 64);
  // MobileLLM-125M: 124.6M parameters with tied embeddings (d=576, ffn=1536, 30 layers, 9/3 heads).
  EXPECT_EQ(CountParams(m125, MaxnetSpec(m125)).total(), 124635456);
  ModelConfig m350 = LoadModelConfig(testing::ConfigPath("mobilellm-350m.json"));
  EXPECT_NEAR(static_cast<double>(CountParams(m350, MaxnetSpec(m350)).total()), 345e6, 10e6);
  for (const char* name : {"tiny-decoder.json", "tiny-encoder.json"}) {
    EXPECT_NO_THROW(LoadModelConfig(testing::ConfigPath(name))) << name;
  }
}

TEST(ModelConfig, MissingFileIsAUserError) { EXPECT_THROW(LoadModelConfig("/nonexistent/config.json"), UserError); }

}  // namespace
}  // namespace elastiq
