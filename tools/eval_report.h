// The report `elastiq eval` prints, whichever engine computed it: one JSON object (--json) or one
// human-readable line, with the baseline next to the measurement.
#pragma once

#include <nlohmann/json.hpp>

namespace elastiq {

// `report` holds model, subnet, split, engine, and either perplexity/loss/tokens/
// unigram_baseline_perplexity (decoders) or accuracy/loss/examples/majority_baseline_accuracy.
void PrintEvalReport(const nlohmann::json& report, bool as_json);

}  // namespace elastiq
