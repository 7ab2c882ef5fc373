// MLFS training (docs/METHODS.md, MLFS): stage 0 low-rank fine-tunes the teacher on the data and
// merges it (the distillation teacher), importance rewiring reorders it for prefix slicing, then
// stage 1 (width-only subnets at full depth) and stage 2 (width and depth) train one set of
// low-rank adapters for every subnet with the sandwich rule, in-place distillation and gradient
// scaling. Checkpoints resume exactly, like pretraining.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "lowrank/mlfs_options.h"

namespace elastiq {

struct MlfsSummary {
  int64_t steps = 0;
  // Per step: the loss of each sampled subnet (maxnet's task loss first), NaN where none ran.
  std::vector<std::vector<float>> losses;
  double val_metric_maxnet = 0.0;    // perplexity (decoder) or accuracy (encoder)
  double val_metric_smallest = 0.0;  // the space's smallest subnet
  bool stopped_early = false;
};

MlfsSummary RunMlfs(const MlfsOptions& options);

int MlfsStage(const MlfsOptions& options, int64_t step);  // 0, 1 or 2

}  // namespace elastiq
