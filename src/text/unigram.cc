// Add-one (Laplace) smoothed unigram perplexity.
#include "src/text/unigram.h"

#include <cmath>

#include "src/core/error.h"

namespace elastiq {

double UnigramPerplexity(const std::vector<int32_t>& train_ids, const std::vector<int32_t>& eval_ids,
                         int vocab_size) {
  ELASTIQ_ASSERT(vocab_size > 0 && !eval_ids.empty());
  std::vector<double> counts(static_cast<size_t>(vocab_size), 1.0);
  for (int32_t id : train_ids) counts[static_cast<size_t>(id)] += 1.0;
  const double total = static_cast<double>(train_ids.size()) + vocab_size;
  double nll = 0.0;
  for (int32_t id : eval_ids) nll -= std::log(counts[static_cast<size_t>(id)] / total);
  return std::exp(nll / static_cast<double>(eval_ids.size()));
}

}  // namespace elastiq
