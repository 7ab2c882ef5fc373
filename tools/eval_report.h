// The report `elastiq eval` prints, whichever engine computed it: one JSON object (--json) or one
// human-readable line, with the baseline next to the measurement.
#pragma once

#include <nlohmann/json.hpp>

#include "src/text/token_ids.h"

namespace elastiq {

// `report` holds model, subnet, split, engine, and either perplexity/loss/tokens/
// unigram_baseline_perplexity (decoders) or accuracy/loss/examples/majority_baseline_accuracy.
void PrintEvalReport(const nlohmann::json& report, bool as_json);

// Add one engine's measurement and its baseline (unigram perplexity over the scored tokens, or
// majority-class accuracy) to `report`. Decoders score eval.ids[1 .. 1 + tokens).
void AddDecoderResult(nlohmann::json& report, double loss, double perplexity, int64_t tokens, const TokenStream& train,
                      const TokenStream& eval);
void AddEncoderResult(nlohmann::json& report, double loss, double accuracy, int64_t examples,
                      const LabelledTokens& train, const LabelledTokens& eval);

}  // namespace elastiq
