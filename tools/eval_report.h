// The report `elastiq eval` prints, whichever engine computed it: one JSON object (--json) or one
// human-readable line, with the baseline next to the measurement.
#pragma once

#include <nlohmann/json.hpp>

#include "src/text/token_ids.h"
#include "src/text/validation_sample.h"

namespace elastiq {

// `report` holds model, subnet, split, engine, sample, and either perplexity/loss/tokens/
// unigram_baseline_perplexity (decoders) or accuracy/loss/examples/examples_per_class/
// majority_baseline_accuracy (encoders).
void PrintEvalReport(const nlohmann::json& report, bool as_json);

// The sample `eval` scores: spread over the split (text) or stratified by class (labelled), or with
// `head` (eval --head) the split's first windows or examples.
ValidationSample EvalTextSample(bool head, int64_t num_ids, int seq_len, int64_t max_tokens);
ValidationSample EvalLabelledSample(bool head, const std::vector<int32_t>& labels, int64_t max_examples);

// Add one engine's measurement on `sample` (src/text/validation_sample.h), how it was drawn, and
// its baseline on the same tokens or examples (unigram perplexity over the scored tokens, or
// majority-class accuracy over the scored examples) to `report`.
void AddDecoderResult(nlohmann::json& report, double loss, double perplexity, const ValidationSample& sample,
                      int seq_len, const TokenStream& train, const TokenStream& eval);
void AddEncoderResult(nlohmann::json& report, double loss, double accuracy, const ValidationSample& sample,
                      const LabelledTokens& train, const LabelledTokens& eval);

}  // namespace elastiq
