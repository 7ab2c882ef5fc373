// Next-token sampling shared by the runtime and the LibTorch reference generator: greedy
// (temperature 0), temperature, top-k and top-p (nucleus), seeded for reproducibility.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <utility>
#include <vector>

namespace elastiq {

// UserError when a logit is NaN or infinite (weights that hold NaN or Inf): garbage is never sampled.
void RequireFiniteLogits(std::span<const float> logits);

struct SamplerOptions {
  float temperature = 0.8f;  // 0: greedy
  int top_k = 40;            // 0: no limit
  float top_p = 0.95f;       // 1: no limit
  uint64_t seed = 0;
};

// Throws UserError for out-of-range options (negative temperature, top_p outside (0, 1], ...).
void ValidateSamplerOptions(const SamplerOptions& options);

class Sampler {
 public:
  explicit Sampler(const SamplerOptions& options);
  int Sample(std::span<const float> logits);  // UserError for a NaN or infinite logit

 private:
  SamplerOptions options_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int>> candidates_;
};

}  // namespace elastiq
