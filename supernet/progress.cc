// Progress reporting with a running mean of the loss since the last line.
#include "supernet/progress.h"

#include <cstdio>

#include "supernet/compute_meter.h"

namespace elastiq {

std::string FormatDuration(double seconds) {
  char buf[32];
  long s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", s);
  }
  return buf;
}

ProgressMeter::ProgressMeter(int64_t total_steps, int64_t first_step, int64_t tokens_per_step)
    : total_(total_steps),
      first_(first_step),
      tokens_per_step_(tokens_per_step),
      last_step_(first_step),
      start_(Clock::now()) {}

void ProgressMeter::Step(int64_t step, double loss, double lr, int64_t every, const std::string& detail) {
  last_step_ = step;
  loss_sum_ += loss;
  ++loss_count_;
  if (!Due(step, every)) return;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double per_step = elapsed / static_cast<double>(step - first_);
  std::printf("step %lld/%lld  loss %.4f%s  lr %.2e  %.0f tok/s  %.3g FLOPs  elapsed %s  eta %s\n",
              static_cast<long long>(step), static_cast<long long>(total_), loss_sum_ / loss_count_, detail.c_str(), lr,
              TokensPerSecond(), TrainingFlops(), FormatDuration(elapsed).c_str(),
              FormatDuration(per_step * static_cast<double>(total_ - step)).c_str());
  std::fflush(stdout);
  loss_sum_ = 0.0;
  loss_count_ = 0;
}

double ProgressMeter::TokensPerSecond() const {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  if (elapsed <= 0.0) return 0.0;
  return static_cast<double>((last_step_ - first_) * tokens_per_step_) / elapsed;
}

}  // namespace elastiq
