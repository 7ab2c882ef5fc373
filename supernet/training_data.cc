// Loading the tokenized splits with their consistency checks; batches, task loss and validation.
#include "supernet/training_data.h"

#include "src/core/error.h"
#include "supernet/batches.h"
#include "supernet/compute_meter.h"

namespace elastiq {

TrainingData LoadTrainingData(const std::string& train_ids, const std::string& val_ids, const ModelConfig& config,
                              const std::string& config_name, const std::string& data_name) {
  if (train_ids.empty() || val_ids.empty()) {
    throw UserError("token-id files missing (run through the `elastiq` front end, which tokenizes --data)");
  }
  TrainingData d;
  int vocab = 0;
  if (config.is_encoder()) {
    d.train_set = ReadLabelledTokens(train_ids);
    d.val_set = ReadLabelledTokens(val_ids);
    vocab = d.train_set.vocab_size;
    if (static_cast<int>(d.train_set.class_names.size()) != config.n_classes) {
      throw UserError(config_name + ": n_classes is " + std::to_string(config.n_classes) + " but " + data_name +
                      " has " + std::to_string(d.train_set.class_names.size()) +
                      " classes; set \"n_classes\" to match");
    }
  } else {
    d.train = ReadTokenStream(train_ids);
    d.val = ReadTokenStream(val_ids);
    vocab = d.train.vocab_size;
  }
  if (vocab != config.vocab_size) {
    throw UserError(config_name + ": vocab_size is " + std::to_string(config.vocab_size) + " but the tokenizer has " +
                    std::to_string(vocab) + " pieces; set \"vocab_size\": " + std::to_string(vocab) +
                    " in the config or train a matching tokenizer");
  }
  return d;
}

TaskBatch SampleTaskBatch(const TrainingData& data, const ModelConfig& config, int batch, int seq_len, uint64_t seed,
                          int64_t step) {
  if (config.is_encoder()) {
    ClassBatch b =
        MakeClassBatch(data.train_set, SampleExampleIndices(data.train_set.size(), batch, seed, step), seq_len);
    return {b.ids, b.labels, b.padding};
  }
  torch::Tensor w = SampleLmWindows(data.train.ids, batch, seq_len, seed, step);
  return {w.narrow(1, 0, seq_len), w.narrow(1, 1, seq_len), torch::Tensor()};
}

torch::Tensor ForwardBatch(SuperTransformer& model, const SubnetSpec& spec, const TaskBatch& batch,
                           std::vector<torch::Tensor>* hidden) {
  CountForward(model->config(), spec, batch.inputs.size(0), batch.inputs.size(1), torch::GradMode::is_enabled());
  return model->forward(batch.inputs, spec, {.key_padding = batch.padding, .hidden = hidden});
}

torch::Tensor TaskLoss(const torch::Tensor& logits, const TaskBatch& batch) {
  if (batch.padding.defined()) return torch::nn::functional::cross_entropy(logits, batch.targets);
  return torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), batch.targets.reshape({-1}));
}

EvalResult EvaluateValidation(SuperTransformer& model, const SubnetSpec& spec, const TrainingData& data, int seq_len,
                              int batch, int64_t eval_tokens, Precision precision) {
  if (model->config().is_encoder()) {
    return EvaluateClassifier(model, spec, data.val_set, seq_len, batch,
                              SampleLabelledExamples(data.val_set.labels, eval_tokens / seq_len), precision);
  }
  return EvaluateLm(model, spec, data.val.ids, seq_len, batch,
                    SampleTextWindows(static_cast<int64_t>(data.val.ids.size()), seq_len, eval_tokens), precision);
}

const char* ValidationMetricName(const ModelConfig& config) { return config.is_encoder() ? "accuracy" : "perplexity"; }

double ValidationMetric(const ModelConfig& config, const EvalResult& r) {
  return config.is_encoder() ? r.accuracy : r.perplexity;
}

}  // namespace elastiq
