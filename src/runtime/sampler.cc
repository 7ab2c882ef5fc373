// Sampling: greedy argmax, or softmax(logits / T) restricted to the top-k and then to the smallest
// prefix whose probability mass reaches top-p.
#include "src/runtime/sampler.h"

#include <algorithm>
#include <cmath>

#include "src/core/error.h"

namespace elastiq {

void ValidateSamplerOptions(const SamplerOptions& o) {
  if (!(o.temperature >= 0.0f)) throw UserError("--temperature must be >= 0 (0 means greedy)");
  if (o.top_k < 0) throw UserError("--top-k must be >= 0 (0 means no limit)");
  if (!(o.top_p > 0.0f && o.top_p <= 1.0f)) throw UserError("--top-p must be in (0, 1]");
}

Sampler::Sampler(const SamplerOptions& options) : options_(options), rng_(options.seed) {
  ValidateSamplerOptions(options);
}

void RequireFiniteLogits(std::span<const float> logits) {
  for (float v : logits) {
    if (!std::isfinite(v)) throw UserError("the model produced a non-finite logit: its weights hold NaN or Inf");
  }
}

int Sampler::Sample(std::span<const float> logits) {
  ELASTIQ_ASSERT(!logits.empty());
  RequireFiniteLogits(logits);
  if (options_.temperature == 0.0f) {
    return static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  }
  candidates_.clear();
  for (size_t i = 0; i < logits.size(); ++i) candidates_.emplace_back(logits[i], static_cast<int>(i));
  size_t k = candidates_.size();
  if (options_.top_k > 0) k = std::min(k, static_cast<size_t>(options_.top_k));
  auto by_logit = [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(k), candidates_.end(),
                    by_logit);
  candidates_.resize(k);
  const float max_logit = candidates_[0].first;
  double sum = 0.0;
  for (auto& c : candidates_) {
    c.first = std::exp((c.first - max_logit) / options_.temperature);
    sum += c.first;
  }
  double mass = 0.0;
  size_t keep = 0;
  while (keep < candidates_.size()) {
    mass += candidates_[keep].first / sum;
    ++keep;
    if (mass >= options_.top_p) break;
  }
  candidates_.resize(keep);
  double kept_sum = 0.0;
  for (const auto& c : candidates_) kept_sum += c.first;
  double r = std::uniform_real_distribution<double>(0.0, kept_sum)(rng_);
  for (const auto& c : candidates_) {
    r -= c.first;
    if (r <= 0.0) return c.second;
  }
  return candidates_.back().second;
}

}  // namespace elastiq
