// Teacher pretraining: AdamW, warm-up + cosine LR, gradient clipping, bf16 autocast with fp32
// master weights, periodic validation and atomic checkpoints that resume exactly.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "src/format/training_shape.h"
#include "supernet/pretrain_options.h"
#include "supernet/super_transformer.h"
#include "supernet/training_data.h"

namespace elastiq {

struct PretrainSummary {
  int64_t steps = 0;
  std::vector<float> loss_history;  // training loss of every step taken (resumed runs included)
  double val_loss = 0.0;
  double val_metric = 0.0;  // perplexity (decoder) or accuracy (encoder)
  double tokens_per_second = 0.0;
  double flops = 0.0, seconds = 0.0;  // the compute meter's total (resumed runs included)
  bool stopped_early = false;         // stop_after hit
};

PretrainSummary RunPretrain(const PretrainOptions& options);

// What one run trains beyond its options: the shape, the tokenizer stored in the output, how the
// model starts and what each step minimizes. RunPretrain fills it for pretraining (task loss);
// `distill` adds a frozen teacher.
struct TrainingSetup {
  TrainingShape shape;
  std::string tokenizer_bytes;
  std::string config_source;  // names the model in errors about the data
  std::string title;          // the run's first progress line, e.g. "pretrain tiny-decoder (init random)"
  // Once the data is loaded, resumed runs included (e.g. distill's teacher rewiring on calibration batches).
  std::function<void(const TrainingData& data, int seq_len)> prepare;
  // After ResetParameters(seed), unless resuming: e.g. load weights.
  std::function<void(SuperTransformer&)> init;
  // The loss of one batch (empty: the task loss of the shape's forward pass).
  std::function<torch::Tensor(SuperTransformer&, const SubnetSpec&, const TaskBatch&)> step_loss;
  nlohmann::json options;  // recorded in the checkpoint beside the loop's options
};

// The training loop behind pretrain and distill (see the file comment).
PretrainSummary RunTraining(const PretrainOptions& o, const TrainingSetup& setup);

}  // namespace elastiq
