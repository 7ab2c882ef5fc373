// Measured decode steps against run --max-latency-ms (latency_guard.h).
#include "src/runtime/latency_guard.h"

#include <algorithm>
#include <cstdio>

#include "src/core/error.h"
#include "src/core/median.h"
#include "src/runtime/session.h"

namespace elastiq {

LatencyGuard::LatencyGuard(double max_latency_ms, std::unique_ptr<SwitchAdvisor> inner, int window)
    : bound_ms_(max_latency_ms), inner_(std::move(inner)), window_(window) {
  if (!(max_latency_ms > 0.0) || window < 1) throw UserError("the latency guard needs a bound > 0 and a window >= 1");
}

std::optional<SwitchAdvice> LatencyGuard::Advise(const Session& session, int generated) {
  if (session.current() != entry_) {  // a new entry: its steps start from here
    entry_ = session.current();
    step_ms_.clear();
  } else {
    step_ms_.push_back(1e3 * session.last_append_seconds());
  }
  if (static_cast<int>(step_ms_.size()) >= window_) {
    const double median_ms = Median(step_ms_);
    step_ms_.clear();
    if (median_ms > bound_ms_) {
      if (std::optional<SwitchAdvice> down = StepDown(session, median_ms)) return down;
    }
  }
  if (!inner_) return std::nullopt;
  std::optional<SwitchAdvice> advice = inner_->Advise(session, generated);
  if (advice && session.entries()[static_cast<size_t>(advice->target)].predicted_decode_ms >= ceiling_ms_)
    return std::nullopt;  // back up to an entry that ran (or would run) past the bound: no
  return advice;
}

std::optional<SwitchAdvice> LatencyGuard::StepDown(const Session& session, double median_ms) {
  const EntryChoice& now = session.current_entry();
  if (now.predicted_decode_ms < 0) return std::nullopt;  // a session without a device profile: no predictions
  ceiling_ms_ = std::min(ceiling_ms_, now.predicted_decode_ms);
  const std::vector<EntryChoice>& entries = session.entries();
  for (size_t i = 0; i < entries.size(); ++i) {  // best first
    if (entries[i].predicted_decode_ms < ceiling_ms_ && entries[i].footprint.total() <= now.footprint.total()) {
      char reason[160];
      std::snprintf(reason, sizeof reason, "decode steps took %.3f ms (median of %d), over --max-latency-ms %g",
                    median_ms, window_, bound_ms_);
      return SwitchAdvice{static_cast<int>(i), reason};
    }
  }
  return std::nullopt;  // the fastest entry already runs: nothing faster to step to
}

}  // namespace elastiq
