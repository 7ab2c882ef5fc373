// The compute meter every training command shares: the FLOPs of every training-side forward pass
// of this process (ForwardBatch: 3 forwards when gradients are recorded, 1 otherwise; formula in
// src/core/training_flops.h), teacher forwards and rewiring calibration included, plus the wall
// time since the run started. Checkpoints keep both (/train_state attributes flops, seconds) and a
// resumed run continues from them, so a route's compute is one number however often it was killed.
#pragma once

#include <cstdint>

#include "src/core/model_config.h"
#include "src/core/subnet_spec.h"
#include "src/format/h5_file.h"

namespace elastiq {

void CountForward(const ModelConfig& config, const SubnetSpec& spec, int64_t sequences, int64_t seq_len,
                  bool with_backward);
// Data parallelism: each of `ranks` processes runs the same forward passes on its share of the
// batch, so every counted pass stands for `ranks` of them (1: one process).
void SetComputeMeterRanks(int ranks);
double TrainingFlops();
double TrainingSeconds();  // wall time of this run plus that of the runs it resumed
// Starts the meter afresh (a new run) or from a checkpoint's /train_state attributes (--resume).
void ResetComputeMeter();
void ResumeComputeMeter(const H5File& h5);
void SaveComputeMeter(H5File& h5);

}  // namespace elastiq
