// Random-weight model files at real shapes (`elastiq init --random`): speed and memory work on
// MobileLLM-sized models without training them. Initialized like training does (N(0, 0.02), norms 1).
#pragma once

#include <cstdint>
#include <string>

#include "src/core/model_config.h"

namespace elastiq {

void WriteRandomModel(const std::string& path, const ModelConfig& config, uint64_t seed,
                      const std::string& tokenizer_bytes);

}  // namespace elastiq
