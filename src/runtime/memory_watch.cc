// The switching policy and the between-token memory watch.
#include "src/runtime/memory_watch.h"

#include <cstdio>

#include "src/core/error.h"

namespace elastiq {

std::optional<SwitchAdvice> DecideSwitch(const std::vector<EntryChoice>& ranked, int current, int64_t budget,
                                         int tokens_since_switch, double pressure, const WatchOptions& o) {
  ELASTIQ_ASSERT(current >= 0 && current < static_cast<int>(ranked.size()), "current entry out of range");
  const int64_t held = ranked[static_cast<size_t>(current)].footprint.total();
  char why[256];
  if (held > budget) {
    int target = BestFitting(ranked, budget);
    if (target < 0) {  // nothing fits: the smallest keeps the conversation going
      target = 0;
      for (size_t i = 0; i < ranked.size(); ++i) {
        if (ranked[i].footprint.total() < ranked[static_cast<size_t>(target)].footprint.total())
          target = static_cast<int>(i);
      }
    }
    if (target == current) return std::nullopt;
    std::snprintf(
        why, sizeof why, "budget %s below the footprint %s%s", FormatBytes(budget).c_str(), FormatBytes(held).c_str(),
        ranked[static_cast<size_t>(target)].footprint.total() > budget ? "; nothing fits, smallest entry" : "");
    return SwitchAdvice{target, why};
  }
  if (tokens_since_switch < o.up_hold_tokens || pressure >= o.up_max_pressure) return std::nullopt;
  const int64_t roomy = static_cast<int64_t>(static_cast<double>(budget) * (1.0 - o.up_margin));
  const int target = BestFitting(ranked, roomy);
  if (target < 0 || target >= current) return std::nullopt;  // ranked best first: only better entries
  std::snprintf(why, sizeof why, "budget %s fits %s with a %.0f%% margin", FormatBytes(budget).c_str(),
                FormatBytes(ranked[static_cast<size_t>(target)].footprint.total()).c_str(), 100.0 * o.up_margin);
  return SwitchAdvice{target, why};
}

int64_t WatchBudget(const MemoryProbe& probe, int64_t held, double fraction) {
  const int64_t spare = probe.spare_bytes();
  if (spare < 0) return -1;
  return static_cast<int64_t>(static_cast<double>(spare + held) * fraction);
}

MemoryWatch::MemoryWatch(ProbeFn probe, const WatchOptions& options) : probe_(std::move(probe)), options_(options) {
  if (options_.every_tokens <= 0) throw UserError("--watch-every must be at least 1 token");
  if (!(options_.fraction > 0.0 && options_.fraction <= 1.0)) throw UserError("--memory-fraction must be in (0, 1]");
  if (!(options_.up_margin >= 0.0 && options_.up_margin < 1.0)) throw UserError("--switch-up-margin must be in [0, 1)");
  if (options_.up_hold_tokens < 0) throw UserError("--switch-up-hold must not be negative");
}

std::optional<SwitchAdvice> MemoryWatch::Advise(const Session& session, int) {
  // Cheap check every token: has the cgroup limit moved? Otherwise probe every few tokens (and at
  // the first token, which has no earlier probe to compare with).
  const bool first = last_limit_ == -2;
  if (!first && ++tokens_since_probe_ < options_.every_tokens && ReadCgroupLimit(last_probe_) == last_limit_)
    return std::nullopt;
  tokens_since_probe_ = 0;
  last_probe_ = probe_();
  last_limit_ = last_probe_.cgroup_limit;
  const int64_t held = session.current_entry().footprint.total();
  const int64_t budget = WatchBudget(last_probe_, held, options_.fraction);
  if (budget < 0) return std::nullopt;  // nothing known: keep the current entry
  const int since = static_cast<int>(session.tokens().size()) - session.tokens_at_last_switch();
  return DecideSwitch(session.entries(), session.current(), budget, since, last_probe_.pressure_some_avg10, options_);
}

}  // namespace elastiq
