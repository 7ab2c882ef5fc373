// Switching entries while running as the memory a process can spare changes (docs/METHODS.md,
// Runtime). After every token the watch reads the cgroup limit (one small file) and, every few
// tokens or when that limit changed, the whole probe (meminfo, cgroup, PSI). A switch can follow a
// limit change only between tokens: under a limit that makes the kernel reclaim the weights, a
// token can take seconds (experiments/results/memory.md). The budget while
// running is fraction x (spare + the current entry's footprint): what `auto` would give if the
// current entry's memory were free again, so the rule matches the choice made at start.
// Policy, with hysteresis so a budget hovering near a threshold does not flap:
//   down: as soon as the current entry's footprint exceeds the budget, to the best entry that fits
//         (the smallest when none does: keep running rather than fail);
//   up:   to the best better entry whose footprint fits in (1 - up_margin) x budget, only after
//         up_hold_tokens tokens since the last switch and while PSI "some avg10" is below
//         up_max_pressure.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "src/runtime/generate.h"
#include "src/runtime/memory_probe.h"
#include "src/runtime/selection.h"

namespace elastiq {

struct WatchOptions {
  int every_tokens = 4;  // full probe at least this often
  double fraction = kDefaultMemoryFraction;
  double up_margin = 0.2;         // a larger entry must fit with 20% of the budget to spare
  int up_hold_tokens = 32;        // no switch up sooner than this after any switch
  double up_max_pressure = 10.0;  // PSI some avg10 (%) at or above which the watch never switches up
};

// The policy as a pure function of the ranked entries (best first), the current index, the
// budget, tokens since the last switch and memory pressure (-1 unknown).
std::optional<SwitchAdvice> DecideSwitch(const std::vector<EntryChoice>& ranked, int current, int64_t budget,
                                         int tokens_since_switch, double pressure, const WatchOptions& options);

// fraction x (probe.spare_bytes() + held); -1 when the probe cannot tell what is spare.
int64_t WatchBudget(const MemoryProbe& probe, int64_t held, double fraction);

class MemoryWatch : public SwitchAdvisor {
 public:
  using ProbeFn = std::function<MemoryProbe()>;
  MemoryWatch(ProbeFn probe, const WatchOptions& options);
  std::optional<SwitchAdvice> Advise(const Session& session, int generated) override;
  const MemoryProbe& last_probe() const { return last_probe_; }

 private:
  ProbeFn probe_;
  WatchOptions options_;
  MemoryProbe last_probe_;
  int64_t last_limit_ = -2;  // cgroup limit at the last full probe (-1 none, -2 never probed)
  int tokens_since_probe_ = 0;
};

}  // namespace elastiq
