// LibTorch fp32 eager decode speed of one subnet (KV-cached, one token per forward), the side-by-side
// baseline `elastiq bench` reports next to the runtime.
#pragma once

#include "supernet/super_transformer.h"

namespace elastiq {

struct TorchDecodeSpeed {
  double prefill_tokens_per_s = 0.0;  // medians over the repeats
  double decode_tokens_per_s = 0.0;
};

// Random prompt of `prompt_tokens`, then `decode_tokens` greedy steps, `repeats` times after one
// warm-up round, as the runtime's bench does.
TorchDecodeSpeed MeasureTorchDecode(SuperTransformer& model, const SubnetSpec& spec, int prompt_tokens,
                                    int decode_tokens, int repeats);

}  // namespace elastiq
