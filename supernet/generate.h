// Reference text generation with LibTorch: recomputes the whole (windowed) context every token,
// slow but simple, the oracle the runtime's KV-cached generation is compared against.
#pragma once

#include <functional>
#include <vector>

#include "src/runtime/sampler.h"
#include "supernet/super_transformer.h"

namespace elastiq {

// Calls on_token for each new id; stops at EOS or after max_tokens. Returns the new ids.
std::vector<int> GenerateReference(SuperTransformer& model, const SubnetSpec& spec, std::vector<int> prompt,
                                   int max_tokens, const SamplerOptions& sampler_options,
                                   const std::function<void(int)>& on_token);

}  // namespace elastiq
