// A progress line for long training runs: step, loss, learning rate, tokens/s and ETA.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace elastiq {

std::string FormatDuration(double seconds);  // "1h02m", "3m05s", "12s"

class ProgressMeter {
 public:
  ProgressMeter(int64_t total_steps, int64_t first_step, int64_t tokens_per_step);
  // Prints a line every `every` steps (and at the last step); `detail` goes after the loss
  // (e.g. MLFS's per-subnet losses).
  void Step(int64_t step, double loss, double lr, int64_t every, const std::string& detail = "");
  // Whether Step(step, ..., every) prints a line.
  bool Due(int64_t step, int64_t every) const { return every > 0 && (step % every == 0 || step == total_); }
  double TokensPerSecond() const;  // over all steps of this run

 private:
  using Clock = std::chrono::steady_clock;
  int64_t total_, first_, tokens_per_step_;
  int64_t last_step_ = 0;
  Clock::time_point start_;
  double loss_sum_ = 0.0;
  int64_t loss_count_ = 0;
};

}  // namespace elastiq
