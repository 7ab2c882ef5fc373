// Random-weight model files at real shapes (`elastiq init --random`): speed and memory work on
// MobileLLM-sized models without training them. Initialized like training does (N(0, 0.02), norms 1).
#pragma once

#include <cstdint>
#include <string>

#include "src/core/model_config.h"
#include "src/format/model_file.h"

namespace elastiq {

// The palette holds the maxnet plus `extra_entries` (tests build multi-entry palettes this way).
void WriteRandomModel(const std::string& path, const ModelConfig& config, uint64_t seed,
                      const std::string& tokenizer_bytes, const std::vector<PaletteEntry>& extra_entries = {});

}  // namespace elastiq
