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

namespace {

struct RunSeconds {
  double prefill = 0.0, decode = 0.0;
};

// Reset, Feed(prompt), then decode_tokens greedy steps.
RunSeconds RunOnce(Engine& engine, const std::vector<int>& prompt, int decode_tokens) {
  engine.Reset();
  Clock::time_point start = Clock::now();
  std::span<const float> logits = engine.Feed(prompt);
  RunSeconds seconds{.prefill = SecondsSince(start)};
  start = Clock::now();
  for (int i = 0; i < decode_tokens; ++i) {
    const int next = Greedy(logits);
    logits = engine.Feed(std::span(&next, 1));
  }
  seconds.decode = SecondsSince(start);
  RequireFiniteLogits(logits);  // a speed measured on NaN is no measurement
  return seconds;
}

}  // namespace

DecodeSpeed MeasureDecodeSpeed(Engine& engine, const std::vector<int>& prompt, int decode_tokens, int repeats) {
  const Clock::time_point warm_up_start = Clock::now();
  do {
    RunOnce(engine, prompt, decode_tokens);
  } while (SecondsSince(warm_up_start) < kDecodeWarmUpSeconds);
  std::vector<double> prefill, decode;
  for (int r = 0; r < repeats; ++r) {
    const RunSeconds seconds = RunOnce(engine, prompt, decode_tokens);
    prefill.push_back(static_cast<double>(prompt.size()) / seconds.prefill);
    decode.push_back(decode_tokens / seconds.decode);
  }
  return {Median(prefill), Median(decode)};
}

Roofline DecodeRoofline(double bandwidth_bytes_per_s, double weight_bytes_per_token, double decode_tokens_per_s) {
  return {bandwidth_bytes_per_s / weight_bytes_per_token,
          decode_tokens_per_s * weight_bytes_per_token / bandwidth_bytes_per_s};
}

}  // namespace elastiq
