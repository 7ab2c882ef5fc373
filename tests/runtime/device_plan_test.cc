// Planning a palette for a device: budgets (latency, memory, both), the candidates that meet them,
// the quantized formats' width rule, entry names and metrics, and the errors for budgets nothing meets.
#include "src/runtime/device_plan.h"

#include <gtest/gtest.h>

#include "src/core/error.h"
#include "tests/common/synthetic_profile.h"

namespace elastiq {
namespace {

ModelConfig Config() {
  return ParseModelConfig(
      R"({"name":"plan","vocab_size":1024,"d_model":256,"n_layers":6,"n_heads":8,"n_kv_heads":4,"ffn_dim":768,"max_seq_len":512})",
      "plan");
}

DevicePlanRequest Request(std::vector<double> latency_ms, std::vector<int64_t> memory_bytes,
                          WeightFormat format = WeightFormat::kF32) {
  return {format, KvCacheFormat::kF16, 256, std::move(latency_ms), std::move(memory_bytes), 4};
}

TEST(DevicePlan, EveryCandidateMeetsItsBudgetAndTheLargestComeFirst) {
  const ModelConfig c = Config();
  const SubnetSpace space = DefaultSubnetSpace(c);
  const DeviceProfile p = testing::SyntheticProfile();
  const DevicePlanRequest probe = Request({1.0}, {});
  const double fastest = CostOn(p, c, SmallestSubnet(space, c, false), probe).decode_ms;
  const double slowest = CostOn(p, c, MaxnetSpec(c), probe).decode_ms;
  const int64_t big = CostOn(p, c, MaxnetSpec(c), probe).footprint.total();
  const DevicePlanRequest r = Request({slowest, (fastest + slowest) / 2}, {big, big / 2});
  const std::vector<DeviceTarget> targets = PlanDevicePalette(space, c, p, r);
  ASSERT_EQ(targets.size(), 4u);  // every (latency, memory) pair
  for (const DeviceTarget& t : targets) {
    ASSERT_FALSE(t.candidates.empty());
    EXPECT_LE(t.candidates.size(), 4u);
    for (size_t i = 0; i < t.candidates.size(); ++i) {
      EXPECT_TRUE(CostOn(p, c, t.candidates[i], r).Meets(t.budget)) << t.budget.Name();
      if (i > 0) {
        EXPECT_GE(CountParams(c, t.candidates[i - 1]).total(), CountParams(c, t.candidates[i]).total());
      }
    }
  }
  EXPECT_TRUE(IsMaxnet(targets[0].candidates[0], c));  // the loosest budget admits the maxnet
  EXPECT_EQ(DeviceBudget({10, 64 << 20}).Name(), "lat10ms_mem64M");
  EXPECT_EQ(DeviceBudget({2.5, 0}).Name(), "lat2.5ms");
  EXPECT_EQ(DeviceBudget({0, 1536 << 20}).Name(), "mem1.5G");
  const nlohmann::json m = DeviceEntryMetrics(targets[1].budget, CostOn(p, c, targets[1].candidates[0], r), r);
  EXPECT_EQ(m["context"], 256);
  EXPECT_EQ(m["budget_memory_bytes"], big / 2);
  EXPECT_LE(m["footprint_bytes"].get<int64_t>(), big / 2);
}

TEST(DevicePlan, TheLatencyMarginKeepsHeadroomUnderTheBudget) {
  const ModelConfig c = Config();
  const SubnetSpace space = DefaultSubnetSpace(c);
  const DeviceProfile p = testing::SyntheticProfile();
  const double fastest = CostOn(p, c, SmallestSubnet(space, c, false), Request({1.0}, {})).decode_ms;
  DevicePlanRequest r = Request({1.1 * fastest}, {});  // the fastest subnet's prediction fits, with 10% to spare
  ASSERT_FALSE(PlanDevicePalette(space, c, p, r)[0].candidates.empty());
  r.latency_margin = 0.25;  // its prediction plus a quarter does not
  try {
    PlanDevicePalette(space, c, p, r);
    FAIL() << "accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("with the 25% latency margin"), std::string::npos) << e.what();
  }
  r.latency_margin = 0.05;
  const std::vector<DeviceTarget> targets = PlanDevicePalette(space, c, p, r);
  for (const SubnetSpec& s : targets[0].candidates) {
    const DeviceCost cost = CostOn(p, c, s, r);
    EXPECT_LE(cost.decode_ms * 1.05, r.latency_ms[0] * (1 + 1e-12));
    const nlohmann::json m = DeviceEntryMetrics(targets[0].budget, cost, r);
    EXPECT_EQ(m["latency_margin"], 0.05);
    EXPECT_DOUBLE_EQ(m["planned_decode_ms"].get<double>(), cost.decode_ms * 1.05);
  }
}

TEST(DevicePlan, QuantizedFormatsOnlyPlanWidthsOfWholePanels) {
  const ModelConfig c = Config();
  SubnetSpace space = DefaultSubnetSpace(c);
  space.d_model = {200, 256};  // 200 is not a multiple of 32
  const DevicePlanRequest r = Request({1e6}, {}, WeightFormat::kW8A8);
  for (const DeviceTarget& t : PlanDevicePalette(space, c, testing::SyntheticProfile(), r))
    for (const SubnetSpec& s : t.candidates) EXPECT_EQ(s.d_model % 32, 0);
}

TEST(DevicePlan, ABudgetNothingMeetsNamesTheFastestAndSmallest) {
  const ModelConfig c = Config();
  const SubnetSpace space = DefaultSubnetSpace(c);
  const DeviceProfile p = testing::SyntheticProfile();
  try {
    PlanDevicePalette(space, c, p, Request({1e-6}, {}));
    FAIL() << "accepted";
  } catch (const UserError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("lat1e-06ms"), std::string::npos) << what;
    EXPECT_NE(what.find("the fastest subnet decodes in"), std::string::npos) << what;
    EXPECT_NE(what.find("the smallest needs"), std::string::npos) << what;
  }
  EXPECT_THROW(PlanDevicePalette(space, c, p, Request({}, {1024})), UserError);
  EXPECT_THROW(PlanDevicePalette(space, c, p, Request({}, {})), UserError);
  EXPECT_THROW(PlanDevicePalette(space, c, p, Request({-5}, {})), UserError);
  EXPECT_THROW(PlanDevicePalette(space, c, p, Request({NAN}, {})), UserError);
  DevicePlanRequest long_context = Request({1e6}, {});
  long_context.context = 513;
  EXPECT_THROW(PlanDevicePalette(space, c, p, long_context), UserError);
}

}  // namespace
}  // namespace elastiq
