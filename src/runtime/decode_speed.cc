// Timing loops of the runtime's decode benchmark.
#include "src/runtime/decode_speed.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "src/core/median.h"
#include "src/runtime/sampler.h"

namespace elastiq {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

int Greedy(std::span<const float> logits) {
  return static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

}  // namespace

std::vector<int> RandomPromptIds(int vocab_size, int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int> ids(static_cast<size_t>(n));
  for (int& t : ids) t = 4 + static_cast<int>(rng() % static_cast<unsigned>(vocab_size - 4));
  return ids;
}

DecodeSpeed MeasureDecodeSpeed(Engine& engine, const std::vector<int>& prompt, int decode_tokens, int repeats) {
  std::vector<double> prefill, decode;
  for (int r = 0; r < repeats + 1; ++r) {
    engine.Reset();
    Clock::time_point start = Clock::now();
    std::span<const float> logits = engine.Feed(prompt);
    const double prefill_s = SecondsSince(start);
    start = Clock::now();
    for (int i = 0; i < decode_tokens; ++i) {
      const int next = Greedy(logits);
      logits = engine.Feed(std::span(&next, 1));
    }
    const double decode_s = SecondsSince(start);
    RequireFiniteLogits(logits);  // a speed measured on NaN is no measurement
    if (r == 0) continue;
    prefill.push_back(static_cast<double>(prompt.size()) / prefill_s);
    decode.push_back(decode_tokens / decode_s);
  }
  return {Median(prefill), Median(decode)};
}

Roofline DecodeRoofline(double bandwidth_bytes_per_s, double weight_bytes_per_token, double decode_tokens_per_s) {
  return {bandwidth_bytes_per_s / weight_bytes_per_token,
          decode_tokens_per_s * weight_bytes_per_token / bandwidth_bytes_per_s};
}

}  // namespace elastiq
