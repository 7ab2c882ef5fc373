// The switching policy: a table of (current entry, budget, tokens since the last switch, pressure)
// -> decision; hysteresis on budgets oscillating around a threshold; the running budget rule.
#include "src/runtime/memory_watch.h"

#include <gtest/gtest.h>

namespace elastiq {
namespace {

// Best first: big (footprint 100), mid (50), small (20).
std::vector<EntryChoice> Ranked() {
  std::vector<EntryChoice> r(3);
  const char* names[] = {"big", "mid", "small"};
  const int64_t sizes[] = {100, 50, 20};
  for (int i = 0; i < 3; ++i) {
    r[i].name = names[i];
    r[i].footprint.weights = sizes[i];
  }
  return r;
}

TEST(SwitchPolicy, Table) {
  const std::vector<EntryChoice> ranked = Ranked();
  const WatchOptions o;  // margin 0.2, hold 32 tokens, pressure limit 10%
  struct Row {
    int current;
    int64_t budget;
    int since;
    double pressure;
    int expected;  // -1: stay
  };
  const Row rows[] = {
      {0, 100, 0, 0, -1},     // fits exactly: stay
      {0, 99, 0, 0, 1},       // below the footprint: down at once, hold or not
      {0, 40, 0, 50, 2},      // down skips to what fits, pressure or not
      {0, 10, 0, 0, 2},       // nothing fits: the smallest
      {2, 10, 100, 0, -1},    // already the smallest
      {2, 62, 100, 0, -1},    // mid fits but not with the 20% margin (62 x 0.8 < 50)
      {2, 63, 100, 0, 1},     // 63 x 0.8 >= 50: up to mid
      {2, 200, 31, 0, -1},    // too soon after the last switch
      {2, 200, 32, 0, 0},     // up to the best
      {2, 200, 100, 10, -1},  // under memory pressure: never up
      {1, 200, 100, -1, 0},   // pressure unknown: up
  };
  for (const Row& row : rows) {
    std::optional<SwitchAdvice> a = DecideSwitch(ranked, row.current, row.budget, row.since, row.pressure, o);
    EXPECT_EQ(a ? a->target : -1, row.expected) << "current " << row.current << " budget " << row.budget << " since "
                                                << row.since << " pressure " << row.pressure;
    if (a) {
      EXPECT_FALSE(a->reason.empty());
    }
  }
  EXPECT_NE(DecideSwitch(ranked, 0, 10, 0, 0, o)->reason.find("nothing fits"), std::string::npos);
}

// Simulates a run: each token the budget follows `budget_at(token)`; returns the switch count.
int CountSwitches(const std::function<int64_t(int)>& budget_at, int tokens, int* final_entry) {
  const std::vector<EntryChoice> ranked = Ranked();
  const WatchOptions o;
  int current = 0, since = 0, switches = 0;
  for (int t = 0; t < tokens; ++t, ++since) {
    if (std::optional<SwitchAdvice> a = DecideSwitch(ranked, current, budget_at(t), since, -1, o)) {
      current = a->target;
      since = 0;
      ++switches;
    }
  }
  *final_entry = current;
  return switches;
}

TEST(SwitchPolicy, HysteresisDoesNotFlap) {
  int final_entry = -1;
  // Every token the budget jumps between just below and just above big's footprint (100 +- 5):
  // one switch down, never back up (105 x 0.8 < 100).
  EXPECT_EQ(CountSwitches([](int t) { return t % 2 ? 105 : 95; }, 1000, &final_entry), 1);
  EXPECT_EQ(final_entry, 1);
  // Around mid's footprint (50 +- 2), starting from big: down to small (48 < 50), and it stays
  // there (52 x 0.8 < 50).
  EXPECT_EQ(CountSwitches([](int t) { return t % 2 ? 52 : 48; }, 1000, &final_entry), 1);
  EXPECT_EQ(final_entry, 2);
  // Wide swings every 4 tokens: the hold keeps switches up to one per 32 tokens.
  const int swings = CountSwitches([](int t) { return (t / 4) % 2 ? 200 : 30; }, 1000, &final_entry);
  EXPECT_LE(swings, 2 * (1000 / 32 + 1));
  EXPECT_GE(swings, 2);
}

TEST(SwitchPolicy, RunningBudgetCountsTheCurrentEntryAsSpare) {
  MemoryProbe p;
  p.mem_available = 1000;
  p.cgroup_version = "v1";
  p.cgroup_limit = 500;
  p.cgroup_usage = 450;                     // 50 spare in the cgroup, of which the model holds none yet
  EXPECT_EQ(WatchBudget(p, 100, 0.5), 75);  // (50 + 100) / 2
  MemoryProbe unknown;
  EXPECT_EQ(WatchBudget(unknown, 100, 0.5), -1);
  EXPECT_THROW(MemoryWatch([] { return MemoryProbe(); }, WatchOptions{.every_tokens = 0}), UserError);
}

}  // namespace
}  // namespace elastiq
