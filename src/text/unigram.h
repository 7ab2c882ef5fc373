// The unigram baseline: perplexity of a model that ignores context and predicts each token with
// its (add-one smoothed) training-set frequency. A trained LM must beat it by a wide margin.
#pragma once

#include <cstdint>
#include <vector>

namespace elastiq {

double UnigramPerplexity(const std::vector<int32_t>& train_ids, const std::vector<int32_t>& eval_ids,
                         int vocab_size);

}  // namespace elastiq
