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

// repeats + 1 runs of: Reset, Feed(prompt) (prefill), then decode_tokens greedy steps; the first run
// warms caches and pages in the weights and is not counted.
DecodeSpeed MeasureDecodeSpeed(Engine& engine, const std::vector<int>& prompt, int decode_tokens, int repeats);

// Decoding reads every weight byte once per token, so at bandwidth B (bytes/s) it can reach at most
// B / weight_bytes_per_token tokens/s; `fraction` is the measured rate over that bound.
struct Roofline {
  double tokens_per_s = 0.0;
  double fraction = 0.0;
};
Roofline DecodeRoofline(double bandwidth_bytes_per_s, double weight_bytes_per_token, double decode_tokens_per_s);

}  // namespace elastiq
