// Baselines a trained model must beat: the unigram perplexity (each token predicted by its add-one
// smoothed training-set frequency, ignoring context) and the majority-class accuracy.
#pragma once

#include <cstdint>
#include <vector>

namespace elastiq {

double UnigramPerplexity(const std::vector<int32_t>& train_ids, const std::vector<int32_t>& eval_ids, int vocab_size);
// Accuracy of always answering the most frequent training label.
double MajorityClassAccuracy(const std::vector<int32_t>& train_labels, const std::vector<int32_t>& eval_labels);

}  // namespace elastiq
