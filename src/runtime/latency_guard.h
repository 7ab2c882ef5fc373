// Holding `run --max-latency-ms` to what the decode steps take, not only to the device profile's
// prediction: a machine's speed drifts (a shared 2-core VM ran the same entry 1.2-1.9x apart within
// half an hour, experiments/results/device_latency_check.md). Every `window` decode steps on one entry,
// the median step is compared with the bound; over it, the best entry predicted faster than the
// current one and no larger runs instead, and from then on no advisor it guards (the memory watch, a
// switch schedule) may go back to an entry predicted as slow as the one that missed. It steps by the
// entries' predictions, so the session needs a device profile (SessionOptions::device); without one
// it only passes the guarded advice through.
#pragma once

#include <cmath>
#include <memory>
#include <optional>
#include <vector>

#include "src/runtime/generate.h"

namespace elastiq {

class LatencyGuard : public SwitchAdvisor {
 public:
  static constexpr int kDefaultWindow = 16;
  // `inner` may be null (the bound alone).
  LatencyGuard(double max_latency_ms, std::unique_ptr<SwitchAdvisor> inner, int window = kDefaultWindow);
  std::optional<SwitchAdvice> Advise(const Session& session, int generated) override;
  double ceiling_ms() const { return ceiling_ms_; }  // entries predicted at or above it are out

 private:
  std::optional<SwitchAdvice> StepDown(const Session& session, double median_ms);

  double bound_ms_;
  std::unique_ptr<SwitchAdvisor> inner_;
  int window_;
  std::vector<double> step_ms_;  // the current entry's decode steps since the last check
  int entry_ = -1;               // the entry they ran on
  double ceiling_ms_ = INFINITY;
};

}  // namespace elastiq
