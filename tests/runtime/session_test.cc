// The Session API: select by name and by budget, bad input, switching while generating (the
// continuation equals a fresh run of the new entry on the same context), a scripted memory-limit
// change in the middle of a generation through a fixture probe root, pages given back, and the
// latency guard's step-downs.
#include "src/runtime/session.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include "quant/quantize_file.h"
#include "src/core/error.h"
#include "src/format/random_model.h"
#include "src/runtime/latency_guard.h"
#include "src/runtime/memory_watch.h"
#include "tests/common/memory_fixture.h"
#include "tests/common/synthetic_profile.h"

namespace elastiq {
namespace {

ModelConfig Config() {
  return ParseModelConfig(
      R"({"name":"ses","vocab_size":256,"d_model":128,"n_layers":4,"n_heads":4,"n_kv_heads":2,"ffn_dim":512,"max_seq_len":128})",
      "ses");
}

// maxnet > medium > small by parameters (no measured quality: ranked by size).
std::string WritePalette(const testing::ScratchDir& dir) {
  std::vector<PaletteEntry> extra = {
      {SubnetSpec{"small", {0, 3}, 64, {128, 128}, 1, 0}, {}},
      {SubnetSpec{"medium", {0, 1, 2, 3}, 96, {256, 256, 256, 256}, 2, 0}, {}},
  };
  WriteRandomModel(dir / "p.h5", Config(), 7, "", extra);
  return dir / "p.h5";
}

const std::vector<int> kPrompt = {1, 17, 42, 99, 5, 230, 64, 8};

// Greedy continuation of `context` by `entry` in a fresh session.
std::vector<int> FreshRun(const WeightStore& store, const std::string& entry, const std::vector<int>& context,
                          int tokens) {
  Session s(store, {.threads = 1, .context = 128, .prefill_chunk = 16});
  s.SelectByName(entry);
  s.Append(context);
  Sampler greedy({.temperature = 0.0f});
  std::vector<int> out;
  Generate(s, greedy, tokens, {}, {.on_token = [&](int t) { out.push_back(t); }});
  return out;
}

int IndexOf(const Session& s, const std::string& name) {
  for (size_t i = 0; i < s.entries().size(); ++i) {
    if (s.entries()[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

TEST(Session, SelectByNameAndByBudget) {
  testing::ScratchDir dir;
  auto store = WeightStore::Open(WritePalette(dir));
  Session s(*store, {.threads = 1, .context = 64});
  ASSERT_EQ(s.entries().size(), 3u);
  EXPECT_EQ(s.entries()[0].name, "maxnet");
  EXPECT_EQ(s.entries()[2].name, "small");
  EXPECT_THROW(s.Append(kPrompt), UserError);  // nothing selected yet
  EXPECT_EQ(s.SelectByName("small").to, "small");
  EXPECT_EQ(s.current_entry().name, "small");
  const int64_t medium = s.entries()[1].footprint.total(), small = s.entries()[2].footprint.total();
  EXPECT_EQ(s.SelectByBudget(medium, "test").to, "medium");
  EXPECT_EQ(s.SelectByBudget(medium - 1, "test").to, "small");
  try {
    s.SelectByBudget(small - 1, "test budget");
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("smallest entry, \"small\", which needs " + FormatBytes(small)),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(s.current_entry().name, "small");  // a refused selection changes nothing
  EXPECT_THROW(s.SelectByName("nope"), UserError);
  EXPECT_THROW(Session(*store, {.context = 4096}), UserError);                // longer than max_seq_len 128
  EXPECT_THROW(Session(*store, {.format = WeightFormat::kW8A8}), UserError);  // no w8a8 weights in the file
  s.Append(kPrompt);
  EXPECT_THROW(s.Append(std::vector<int>{256}), UserError);    // outside the vocabulary
  EXPECT_THROW(s.Append(std::vector<int>(60, 5)), UserError);  // 8 + 60 > context 64
  EXPECT_EQ(s.tokens(), kPrompt);
}

TEST(Session, QuantizedFormatsKeepOnlyEntriesWithPanelWidths) {
  testing::ScratchDir dir;
  std::vector<PaletteEntry> extra = {{SubnetSpec{"odd", {0, 1}, 80, {128, 128}, 1, 0}, {}},
                                     {SubnetSpec{"even", {0, 1}, 64, {96, 96}, 1, 0}, {}}};
  WriteRandomModel(dir / "m.h5", Config(), 3, "", extra);
  QuantizeModelFile(dir / "m.h5", "w8a8", dir / "q.h5");
  auto store = WeightStore::Open(dir / "q.h5");
  Session s(*store, {.format = WeightFormat::kW8A8, .threads = 1, .context = 32});
  EXPECT_EQ(IndexOf(s, "odd"), -1);  // d_model 80 is not a multiple of 32
  EXPECT_GE(IndexOf(s, "even"), 0);
  try {
    s.SelectByName("odd");
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot run in w8a8"), std::string::npos) << e.what();
  }
  // A palette none of whose entries has panel widths.
  WriteRandomModel(
      dir / "n.h5",
      ParseModelConfig(
          R"({"vocab_size":64,"d_model":48,"n_layers":1,"n_heads":2,"n_kv_heads":1,"ffn_dim":64,"max_seq_len":16})",
          "n"),
      1, "");
  EXPECT_THROW(Session(*WeightStore::Open(dir / "n.h5"), {.format = WeightFormat::kW8A8}), UserError);
}

TEST(Session, SwitchContinuesLikeAFreshRunOfTheNewEntry) {
  testing::ScratchDir dir;
  auto store = WeightStore::Open(WritePalette(dir));
  Session s(*store, {.threads = 2, .context = 128, .prefill_chunk = 16});
  s.SelectByName("maxnet");
  s.Append(kPrompt);
  // 12 tokens on maxnet, then small for 12, then back up to maxnet for 12.
  ScriptedSwitches schedule("12:small,24:maxnet", s);
  std::vector<int> generated;
  std::vector<SwitchRecord> switches;
  Sampler greedy({.temperature = 0.0f});
  Generate(s, greedy, 36, {&schedule},
           {.on_token = [&](int t) { generated.push_back(t); },
            .on_switch = [&](const SwitchRecord& r) { switches.push_back(r); }});
  ASSERT_EQ(generated.size(), 36u);
  ASSERT_EQ(switches.size(), 2u);
  EXPECT_EQ(switches[0].from, "maxnet");
  EXPECT_EQ(switches[0].to, "small");
  EXPECT_EQ(switches[0].context_tokens, static_cast<int>(kPrompt.size()) + 12);
  EXPECT_EQ(switches[1].to, "maxnet");
  EXPECT_GE(switches[1].reprefill_ms, 0.0);
  std::vector<int> context = kPrompt;
  context.insert(context.end(), generated.begin(), generated.begin() + 12);
  EXPECT_EQ(FreshRun(*store, "small", context, 12), std::vector<int>(generated.begin() + 12, generated.begin() + 24));
  context.insert(context.end(), generated.begin() + 12, generated.begin() + 24);
  EXPECT_EQ(FreshRun(*store, "maxnet", context, 12), std::vector<int>(generated.begin() + 24, generated.end()));
  // The maxnet's first 12 tokens are its own fresh run too.
  EXPECT_EQ(FreshRun(*store, "maxnet", kPrompt, 12), std::vector<int>(generated.begin(), generated.begin() + 12));
}

// A cgroup limit that drops in the middle of a generation and comes back (fixture files, injected
// probe root): the watch switches down, generation continues as a fresh run of the smaller entry
// would, then it switches back up after the hold. The fixture's usage follows the entry held, as
// the kernel's does once a switch gives memory back.
TEST(Session, ScriptedLimitChangeMidGeneration) {
  testing::ScratchDir dir, root;
  auto store = WeightStore::Open(WritePalette(dir));
  Session s(*store, {.threads = 1, .context = 128, .prefill_chunk = 16});
  const int64_t big = s.entries()[0].footprint.total(), medium = s.entries()[1].footprint.total();
  const int64_t others = int64_t{50} << 20;  // other processes of the cgroup
  int64_t limit = int64_t{1} << 30;
  auto write_cgroup = [&] {
    testing::SetV1Limit(root, std::to_string(limit) + "\n",
                        std::to_string(others + s.current_entry().footprint.total()) + "\n");
  };
  testing::WriteV1Tree(root, "0\n", "0\n");
  s.SelectByName("maxnet");
  write_cgroup();
  s.Append(kPrompt);
  MemoryWatch watch([&] { return ProbeMemory(root.path()); },
                    {.every_tokens = 4, .fraction = 0.5, .up_hold_tokens = 8});
  std::vector<int> generated;
  std::vector<SwitchRecord> switches;
  Sampler greedy({.temperature = 0.0f});
  Generate(s, greedy, 60, {&watch},
           {.on_token =
                [&](int t) {
                  generated.push_back(t);
                  if (generated.size() == 10) limit = others + medium + big;  // budget (medium + big) / 2
                  if (generated.size() == 30) limit = int64_t{1} << 30;
                  write_cgroup();
                },
            .on_switch =
                [&](const SwitchRecord& r) {
                  switches.push_back(r);
                  write_cgroup();
                }});
  ASSERT_EQ(switches.size(), 2u);
  EXPECT_EQ(switches[0].to, "medium");
  EXPECT_NE(switches[0].reason.find("below the footprint"), std::string::npos) << switches[0].reason;
  EXPECT_EQ(switches[1].to, "maxnet");
  // The limit file is re-read every token: the switch down follows the change at once.
  const int down_at = switches[0].context_tokens - static_cast<int>(kPrompt.size());
  EXPECT_EQ(down_at, 10);
  const int up_at = switches[1].context_tokens - static_cast<int>(kPrompt.size());
  EXPECT_GE(up_at, 30);
  std::vector<int> context = kPrompt;
  context.insert(context.end(), generated.begin(), generated.begin() + down_at);
  EXPECT_EQ(FreshRun(*store, "medium", context, up_at - down_at),
            std::vector<int>(generated.begin() + down_at, generated.begin() + up_at));
}

// Whether this process maps the page at p (present bit of /proc/self/pagemap).
bool Mapped(const void* p) {
  const int fd = open("/proc/self/pagemap", O_RDONLY);
  uint64_t entry = 0;
  const off_t at = static_cast<off_t>(reinterpret_cast<uintptr_t>(p) / 4096 * sizeof entry);
  const bool read_ok = pread(fd, &entry, sizeof entry, at) == static_cast<ssize_t>(sizeof entry);
  close(fd);
  EXPECT_TRUE(read_ok) << "cannot read /proc/self/pagemap";
  return (entry >> 63) & 1;
}

// After a switch down, the pages only the larger entry read are no longer mapped (resident memory
// follows the active entry); the smaller entry's are, and it keeps running.
TEST(Session, SwitchDownGivesBackTheLargerEntrysPages) {
  testing::ScratchDir dir;
  auto store = WeightStore::Open(WritePalette(dir));
  Session s(*store, {.threads = 1, .context = 64});
  s.SelectByName("maxnet");
  s.Append(kPrompt);
  // w_gate of layer 0 (512 x 128 fp32, 256 KiB, page-aligned): small reads rows 0..127 (pages 0-15).
  const float* w_gate = store->Weight("layers.0.w_gate");
  const float* w_gate_1 = store->Weight("layers.1.w_gate");
  ASSERT_EQ(reinterpret_cast<uintptr_t>(w_gate) % 4096, 0u);
  EXPECT_TRUE(Mapped(w_gate + 256 * 128));  // maxnet reads row 256
  EXPECT_TRUE(Mapped(w_gate_1));
  s.SelectByName("small");
  const std::vector<GiveBackRecord>& give_backs = s.GiveBacks();  // waits for the background unmapping
  ASSERT_EQ(give_backs.size(), 2u);                               // after the first feed, and after the switch
  EXPECT_EQ(give_backs[1].entry, "small");
  EXPECT_GT(give_backs[1].advised_bytes, give_backs[0].advised_bytes);  // maxnet reads more than small
  EXPECT_TRUE(Mapped(w_gate));                                          // row 0: small reads it
  EXPECT_FALSE(Mapped(w_gate + 256 * 128));                             // row 256: only maxnet read it
  EXPECT_FALSE(Mapped(w_gate_1));                                       // layer 1: small skips it
  s.Append(std::vector<int>{3, 4});                                     // and the small entry still runs
  EXPECT_FALSE(Mapped(w_gate + 256 * 128));
  EXPECT_EQ(s.tokens().size(), kPrompt.size() + 2);
  s.SelectByName("maxnet");  // switching up maps them again
  EXPECT_TRUE(Mapped(w_gate + 256 * 128));
}

// The latency guard of run --max-latency-ms (latency_guard.h): measured decode steps over the bound
// step down to a faster entry, and the advisor it guards may not go back up past the entry that missed.
// The switches of `tokens` greedy tokens after kPrompt under `advisor`.
std::vector<SwitchRecord> GenerateGuarded(Session& s, SwitchAdvisor& advisor, int tokens) {
  s.Append(kPrompt);
  Sampler greedy({.temperature = 0.0f});
  std::vector<SwitchRecord> switches;
  Generate(s, greedy, tokens, {&advisor}, {.on_switch = [&](const SwitchRecord& r) { switches.push_back(r); }});
  return switches;
}

class SessionLatencyGuard : public ::testing::Test {
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

TEST_F(SessionLatencyGuard, StepsOverTheBoundSwitchDownOneEntryAtATime) {
  auto s = Open();
  ASSERT_EQ(s->entries().size(), 3u);
  ASSERT_GT(s->entries()[0].predicted_decode_ms, s->entries()[1].predicted_decode_ms);
  LatencyGuard guard(1e-9, nullptr, 4);  // every step is over a bound of a picosecond
  const std::vector<SwitchRecord> switches = GenerateGuarded(*s, guard, 20);
  ASSERT_EQ(switches.size(), 2u);
  EXPECT_EQ(switches[0].to, "medium");
  EXPECT_EQ(switches[1].to, "small");
  EXPECT_NE(switches[0].reason.find("over --max-latency-ms"), std::string::npos) << switches[0].reason;
  EXPECT_EQ(s->current_entry().name, "small");                         // the fastest: nothing left to step to
  EXPECT_EQ(guard.ceiling_ms(), s->entries()[2].predicted_decode_ms);  // it missed too: no advisor goes back up
}

TEST_F(SessionLatencyGuard, StepsWithinTheBoundKeepTheEntryAndPassTheGuardedAdvice) {
  auto s = Open();
  auto schedule = std::make_unique<ScriptedSwitches>("6:small,12:maxnet", *s);
  LatencyGuard guard(1e9, std::move(schedule), 4);  // a bound no step reaches
  const std::vector<SwitchRecord> switches = GenerateGuarded(*s, guard, 16);
  ASSERT_EQ(switches.size(), 2u);
  EXPECT_EQ(switches[1].to, "maxnet");
}

TEST_F(SessionLatencyGuard, TheGuardedAdvisorMayNotGoBackToAnEntryThatMissed) {
  auto s = Open();
  // The schedule asks for the maxnet again after the guard has stepped down from it.
  auto schedule = std::make_unique<ScriptedSwitches>("10:maxnet", *s);
  LatencyGuard guard(1e-9, std::move(schedule), 4);
  const std::vector<SwitchRecord> switches = GenerateGuarded(*s, guard, 12);
  for (const SwitchRecord& r : switches) EXPECT_NE(r.to, "maxnet") << r.reason;
  EXPECT_THROW(LatencyGuard(0.0, nullptr), UserError);
  EXPECT_THROW(LatencyGuard(5.0, nullptr, 0), UserError);
}

}  // namespace
}  // namespace elastiq
