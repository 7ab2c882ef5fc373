// Unigram perplexity (add-one / Laplace smoothing) and majority-class accuracy.
#include "src/text/baselines.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "src/core/error.h"

namespace elastiq {

double UnigramPerplexity(const std::vector<int32_t>& train_ids, const std::vector<int32_t>& eval_ids, int vocab_size) {
  ELASTIQ_ASSERT(vocab_size > 0 && !eval_ids.empty());
  std::vector<double> counts(static_cast<size_t>(vocab_size), 1.0);
  for (int32_t id : train_ids) counts[static_cast<size_t>(id)] += 1.0;
  const double total = static_cast<double>(train_ids.size()) + vocab_size;
  double nll = 0.0;
  for (int32_t id : eval_ids) nll -= std::log(counts[static_cast<size_t>(id)] / total);
  return std::exp(nll / static_cast<double>(eval_ids.size()));
}

double MajorityClassAccuracy(const std::vector<int32_t>& train_labels, const std::vector<int32_t>& eval_labels) {
  ELASTIQ_ASSERT(!train_labels.empty() && !eval_labels.empty());
  std::map<int32_t, int64_t> counts;
  for (int32_t l : train_labels) counts[l]++;
  const int32_t majority = std::max_element(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
                             return a.second < b.second;
                           })->first;
  return static_cast<double>(std::count(eval_labels.begin(), eval_labels.end(), majority)) /
         static_cast<double>(eval_labels.size());
}

}  // namespace elastiq
