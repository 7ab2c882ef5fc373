// Log-softmax cross-entropy in double over engine logits.
#include "src/runtime/runtime_eval.h"

#include <algorithm>
#include <cmath>

#include "src/text/special_tokens.h"

namespace elastiq {
namespace {

double CrossEntropy(const float* logits, int64_t n, int target) {
  const float max_logit = *std::max_element(logits, logits + n);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logits[i] - max_logit));
  return std::log(sum) - static_cast<double>(logits[target] - max_logit);
}

}  // namespace

RuntimeEvalResult EvaluateLmWithEngine(Engine& engine, const std::vector<int32_t>& ids, int seq_len,
                                       const ValidationSample& windows) {
  double nll = 0.0;
  int64_t tokens = 0;
  std::vector<int> input(static_cast<size_t>(seq_len));
  RuntimeEvalResult r;
  int64_t hits = 0;
  for (int64_t start : windows.picks) {
    const int32_t* window = ids.data() + start;
    std::copy_n(window, seq_len, input.begin());
    engine.Reset();
    std::span<const float> logits = engine.Feed(input, /*all_logits=*/true);
    const int64_t vocab = static_cast<int64_t>(logits.size()) / seq_len;
    for (int t = 0; t < seq_len; ++t) {
      const float* row = logits.data() + t * vocab;
      nll += CrossEntropy(row, vocab, window[t + 1]);
      r.top1.push_back(static_cast<int32_t>(std::max_element(row, row + vocab) - row));
      hits += r.top1.back() == window[t + 1];
    }
    tokens += seq_len;
  }
  engine.Reset();
  r.count = tokens;
  r.top1_accuracy = tokens > 0 ? static_cast<double>(hits) / static_cast<double>(tokens) : 0.0;
  r.loss = nll / static_cast<double>(tokens);
  r.perplexity = std::exp(r.loss);
  return r;
}

RuntimeEvalResult EvaluateClassifierWithEngine(Engine& engine, const LabelledTokens& data,
                                               const ValidationSample& examples) {
  const int64_t n = static_cast<int64_t>(examples.picks.size());
  double loss = 0.0;
  int64_t correct = 0;
  for (int64_t i : examples.picks) {
    const size_t b = static_cast<size_t>(data.offsets[static_cast<size_t>(i)]);
    const size_t e = static_cast<size_t>(data.offsets[static_cast<size_t>(i) + 1]);
    std::vector<int> tokens(data.ids.begin() + static_cast<std::ptrdiff_t>(b),
                            data.ids.begin() + static_cast<std::ptrdiff_t>(e));
    if (tokens.empty()) tokens.push_back(kPadId);  // an empty example is one pad token, as in training
    std::vector<float> logits = engine.Classify(tokens);
    const int label = data.labels[static_cast<size_t>(i)];
    loss += CrossEntropy(logits.data(), static_cast<int64_t>(logits.size()), label);
    correct += (std::max_element(logits.begin(), logits.end()) - logits.begin()) == label;
  }
  RuntimeEvalResult r;
  r.count = n;
  r.loss = loss / static_cast<double>(n);
  r.accuracy = static_cast<double>(correct) / static_cast<double>(n);
  return r;
}

}  // namespace elastiq
