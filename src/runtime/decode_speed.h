// The runtime's decode speed, measured the way `elastiq bench` reports it: prefill and greedy decode
// timed over repeats after one warm-up, medians in tokens/s, and the memory-bandwidth roofline that
// says how close decoding came to reading its weights at the machine's measured bandwidth.
// (The LibTorch fp32 counterpart is supernet/decode_bench.h.)
#pragma once

#include <cstdint>
#include <vector>

#include "src/runtime/engine.h"

namespace elastiq {

struct DecodeSpeed {
  double prefill_tokens_per_s = 0.0;  // median over the repeats
  double decode_tokens_per_s = 0.0;   // median over the repeats
};

// n ids drawn uniformly from [4, vocab_size) (past the special tokens) with a fixed seed.
std::vector<int> RandomPromptIds(int vocab_size, int n, uint32_t seed = 1);

// Untimed runs for this long first. Pages in the weights and warms the caches; and a thread pool's
// first ~0.1-0.2 s can run far slower: on a 2-core virtual machine a tiny model's 2-thread decode took
// 242-306 us per token over its first five 64-token runs, 32-45 us once past them (its threads shared
// one core until the scheduler moved one; pinning them to two CPUs still left 58-136 us;
// experiments/results/decode_warm_up.md).
inline constexpr double kDecodeWarmUpSeconds = 0.3;

// Runs of: Reset, Feed(prompt) (prefill), then decode_tokens greedy steps; untimed for
// kDecodeWarmUpSeconds (at least one run), then `repeats` timed.
DecodeSpeed MeasureDecodeSpeed(Engine& engine, const std::vector<int>& prompt, int decode_tokens, int repeats);

// Decoding reads every weight byte once per token, so at bandwidth B (bytes/s) it can reach at most
// B / weight_bytes_per_token tokens/s; `fraction` is the measured rate over that bound.
struct Roofline {
  double tokens_per_s = 0.0;
  double fraction = 0.0;
};
Roofline DecodeRoofline(double bandwidth_bytes_per_s, double weight_bytes_per_token, double decode_tokens_per_s);

}  // namespace elastiq
