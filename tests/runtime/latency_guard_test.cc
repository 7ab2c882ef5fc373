// The latency guard of run --max-latency-ms: measured decode steps over the bound step down to a
// faster entry, and the advisor it guards may not go back up past the entry that missed.
#include "src/runtime/latency_guard.h"

#include <gtest/gtest.h>

#include "src/core/error.h"
#include "src/format/random_model.h"
#include "src/runtime/session.h"
#include "tests/common/synthetic_profile.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

// maxnet > medium > small by parameters and by predicted decode time.
std::string WritePalette(const testing::ScratchDir& dir) {
  const ModelConfig c = ParseModelConfig(
      R"({"name":"g","vocab_size":256,"d_model":128,"n_layers":4,"n_heads":4,"n_kv_heads":2,"ffn_dim":512,"max_seq_len":128})",
      "g");
  std::vector<PaletteEntry> extra = {
      {SubnetSpec{"small", {0, 3}, 64, {128, 128}, 1, 0}, {}},
      {SubnetSpec{"medium", {0, 1, 2, 3}, 96, {256, 256, 256, 256}, 2, 0}, {}},
  };
  WriteRandomModel(dir / "p.h5", c, 7, "", extra);
  return dir / "p.h5";
}

struct GuardedRun {
  std::vector<SwitchRecord> switches;
  int generated = 0;
};

GuardedRun GenerateGuarded(Session& s, SwitchAdvisor& advisor, int tokens) {
  s.Append(std::vector<int>{1, 17, 42, 99});
  Sampler greedy({.temperature = 0.0f});
  GuardedRun run;
  run.generated =
      Generate(s, greedy, tokens, {&advisor}, {.on_switch = [&](const SwitchRecord& r) { run.switches.push_back(r); }})
          .generated;
  return run;
}

class LatencyGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = WeightStore::Open(WritePalette(dir_));
    device_ = testing::SyntheticProfile(1);
  }
  std::unique_ptr<Session> Open() {
    auto s = std::make_unique<Session>(*store_, SessionOptions{.threads = 1, .context = 128, .device = &device_});
    s->SelectByName("maxnet");
    return s;
  }
  testing::ScratchDir dir_;
  std::unique_ptr<WeightStore> store_;
  DeviceProfile device_;
};

TEST_F(LatencyGuardTest, StepsOverTheBoundSwitchDownOneEntryAtATime) {
  auto s = Open();
  ASSERT_EQ(s->entries().size(), 3u);
  ASSERT_GT(s->entries()[0].predicted_decode_ms, s->entries()[1].predicted_decode_ms);
  LatencyGuard guard(1e-9, nullptr, 4);  // every step is over a bound of a picosecond
  const GuardedRun run = GenerateGuarded(*s, guard, 20);
  ASSERT_EQ(run.switches.size(), 2u);
  EXPECT_EQ(run.switches[0].to, "medium");
  EXPECT_EQ(run.switches[1].to, "small");
  EXPECT_NE(run.switches[0].reason.find("over --max-latency-ms"), std::string::npos) << run.switches[0].reason;
  EXPECT_EQ(s->current_entry().name, "small");                         // the fastest: nothing left to step to
  EXPECT_EQ(guard.ceiling_ms(), s->entries()[2].predicted_decode_ms);  // it missed too: no advisor goes back up
}

TEST_F(LatencyGuardTest, StepsWithinTheBoundKeepTheEntryAndPassTheGuardedAdvice) {
  auto s = Open();
  auto schedule = std::make_unique<ScriptedSwitches>("6:small,12:maxnet", *s);
  LatencyGuard guard(1e9, std::move(schedule), 4);  // a bound no step reaches
  const GuardedRun run = GenerateGuarded(*s, guard, 16);
  ASSERT_EQ(run.switches.size(), 2u);
  EXPECT_EQ(run.switches[1].to, "maxnet");
}

TEST_F(LatencyGuardTest, TheGuardedAdvisorMayNotGoBackToAnEntryThatMissed) {
  auto s = Open();
  // The schedule asks for the maxnet again after the guard has stepped down from it.
  auto schedule = std::make_unique<ScriptedSwitches>("10:maxnet", *s);
  LatencyGuard guard(1e-9, std::move(schedule), 4);
  const GuardedRun run = GenerateGuarded(*s, guard, 12);
  for (const SwitchRecord& r : run.switches) EXPECT_NE(r.to, "maxnet") << r.reason;
  EXPECT_THROW(LatencyGuard(0.0, nullptr), UserError);
  EXPECT_THROW(LatencyGuard(5.0, nullptr, 0), UserError);
}

}  // namespace
}  // namespace elastiq
