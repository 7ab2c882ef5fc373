// Process-wide FLOP and wall-time tally of training (see compute_meter.h).
#include "supernet/compute_meter.h"

#include <chrono>
#include <cmath>

#include "src/core/training_flops.h"

namespace elastiq {
namespace {

using Clock = std::chrono::steady_clock;

struct Meter {
  double flops = 0.0;
  int ranks = 1;
  double earlier_seconds = 0.0;  // of the runs this one resumed
  Clock::time_point start = Clock::now();
};

Meter& TheMeter() {
  static Meter meter;
  return meter;
}

}  // namespace

void CountForward(const ModelConfig& config, const SubnetSpec& spec, int64_t sequences, int64_t seq_len,
                  bool with_backward) {
  TheMeter().flops +=
      ForwardFlops(config, spec, sequences, seq_len) * (with_backward ? kTrainingPassForwards : 1.0) * TheMeter().ranks;
}

void SetComputeMeterRanks(int ranks) { TheMeter().ranks = ranks; }

double TrainingFlops() { return TheMeter().flops; }

double TrainingSeconds() {
  const Meter& m = TheMeter();
  return m.earlier_seconds + std::chrono::duration<double>(Clock::now() - m.start).count();
}

void ResetComputeMeter() { TheMeter() = Meter{}; }

void ResumeComputeMeter(const H5File& h5) {
  const int ranks = TheMeter().ranks;
  ResetComputeMeter();
  TheMeter().ranks = ranks;
  if (h5.HasAttr("/train_state", "flops"))
    TheMeter().flops = static_cast<double>(h5.GetIntAttr("/train_state", "flops"));
  if (h5.HasAttr("/train_state", "milliseconds"))
    TheMeter().earlier_seconds = h5.GetIntAttr("/train_state", "milliseconds") / 1000.0;
}

void SaveComputeMeter(H5File& h5) {
  h5.SetAttr("/train_state", "flops", static_cast<int64_t>(std::llround(TrainingFlops())));
  h5.SetAttr("/train_state", "milliseconds", static_cast<int64_t>(std::llround(TrainingSeconds() * 1000.0)));
}

}  // namespace elastiq
