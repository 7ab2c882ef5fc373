// Training data shared by pretraining and MLFS: the tokenized train/val splits (a token stream for
// decoders, labelled examples for encoders), per-step batches that are a pure function of (seed, step),
// the task loss, and validation of any subnet.
#pragma once

#include <torch/torch.h>

#include <string>

#include "src/text/token_ids.h"
#include "supernet/evaluate.h"
#include "supernet/super_transformer.h"

namespace elastiq {

struct TrainingData {
  TokenStream train, val;             // decoder
  LabelledTokens train_set, val_set;  // encoder
};

// Checks the vocabulary (and encoder classes) against `config`; `config_name` names the config's
// source and `data_name` the data folder in error messages.
TrainingData LoadTrainingData(const std::string& train_ids, const std::string& val_ids, const ModelConfig& config,
                              const std::string& config_name, const std::string& data_name);

struct TaskBatch {
  torch::Tensor inputs;   // (B, T) int64
  torch::Tensor targets;  // decoder: (B, T) next tokens; encoder: (B,) labels
  torch::Tensor padding;  // encoder: (B, T) bool, true at padding; undefined for decoders
};
TaskBatch SampleTaskBatch(const TrainingData& data, const ModelConfig& config, int batch, int seq_len, uint64_t seed,
                          int64_t step);
// Runs `spec` on the batch; `hidden` as in ForwardOptions. Returns logits. Counted by the compute
// meter (supernet/compute_meter.h).
torch::Tensor ForwardBatch(SuperTransformer& model, const SubnetSpec& spec, const TaskBatch& batch,
                           std::vector<torch::Tensor>* hidden = nullptr);
// Mean cross-entropy against the batch's targets.
torch::Tensor TaskLoss(const torch::Tensor& logits, const TaskBatch& batch);

// Validation loss and perplexity (decoder) or accuracy (encoder) of `spec` on the validation sample
// (src/text/validation_sample.h, the same for every subnet) of `eval_tokens` tokens in whole
// windows of seq_len (decoder) or eval_tokens / seq_len examples (encoder).
EvalResult EvaluateValidation(SuperTransformer& model, const SubnetSpec& spec, const TrainingData& data, int seq_len,
                              int batch, int64_t eval_tokens, Precision precision);
const char* ValidationMetricName(const ModelConfig& config);  // "perplexity" | "accuracy"
double ValidationMetric(const ModelConfig& config, const EvalResult& r);

}  // namespace elastiq
