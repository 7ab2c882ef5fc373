// Batched no-grad evaluation; losses are summed in double precision.
#include "supernet/evaluate.h"

#include <cmath>

#include "supernet/batches.h"

namespace elastiq {

EvalResult EvaluateLm(SuperTransformer& model, const SubnetSpec& spec, const std::vector<int32_t>& ids, int seq_len,
                      int batch, const ValidationSample& sample, Precision precision) {
  torch::NoGradGuard no_grad;
  AutocastScope autocast(precision);
  torch::Tensor windows = EvalLmWindows(ids, seq_len, sample);
  double nll = 0.0;
  int64_t tokens = 0;
  for (int64_t start = 0; start < windows.size(0); start += batch) {
    torch::Tensor w = windows.narrow(0, start, std::min<int64_t>(batch, windows.size(0) - start));
    torch::Tensor logits = model->forward(w.narrow(1, 0, seq_len), spec);
    torch::Tensor targets = w.narrow(1, 1, seq_len);
    nll += torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), targets.reshape({-1}),
                                                torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
               .item<double>();
    tokens += targets.numel();
  }
  EvalResult r;
  r.count = tokens;
  r.sample = sample.how;
  r.loss = nll / static_cast<double>(tokens);
  r.perplexity = std::exp(r.loss);
  return r;
}

EvalResult EvaluateClassifier(SuperTransformer& model, const SubnetSpec& spec, const LabelledTokens& data, int max_len,
                              int batch, const ValidationSample& sample, Precision precision) {
  torch::NoGradGuard no_grad;
  AutocastScope autocast(precision);
  const int64_t n = static_cast<int64_t>(sample.picks.size());
  double loss = 0.0;
  int64_t correct = 0;
  for (int64_t start = 0; start < n; start += batch) {
    const std::vector<int64_t> idx(sample.picks.begin() + start, sample.picks.begin() + std::min(n, start + batch));
    ClassBatch b = MakeClassBatch(data, idx, max_len);
    torch::Tensor logits = model->forward(b.ids, spec, {.key_padding = b.padding});
    loss += torch::nn::functional::cross_entropy(
                logits, b.labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                .item<double>();
    correct += (logits.argmax(-1) == b.labels).sum().item<int64_t>();
  }
  EvalResult r;
  r.count = n;
  r.sample = sample.how;
  r.loss = loss / static_cast<double>(n);
  r.accuracy = static_cast<double>(correct) / static_cast<double>(n);
  return r;
}

}  // namespace elastiq
