// Teacher pretraining: AdamW, warm-up + cosine LR, gradient clipping, bf16 autocast with fp32
// master weights, periodic validation and atomic checkpoints that resume exactly.
#pragma once

#include <vector>

#include "supernet/pretrain_options.h"

namespace elastiq {

struct PretrainSummary {
  int64_t steps = 0;
  std::vector<float> loss_history;  // training loss of every step taken (resumed runs included)
  double val_loss = 0.0;
  double val_metric = 0.0;  // perplexity (decoder) or accuracy (encoder)
  double tokens_per_second = 0.0;
  bool stopped_early = false;  // stop_after hit
};

PretrainSummary RunPretrain(const PretrainOptions& options);

}  // namespace elastiq
