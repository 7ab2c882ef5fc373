// Quality measured with the runtime engine (`elastiq eval --engine runtime`): perplexity over the
// same windows the LibTorch evaluation scores, or classification accuracy, so both engines can be
// compared on the same file and split. Both score a validation sample (src/text/validation_sample.h).
#pragma once

#include <cstdint>
#include <vector>

#include "src/runtime/engine.h"
#include "src/text/token_ids.h"
#include "src/text/validation_sample.h"

namespace elastiq {

struct RuntimeEvalResult {
  double loss = 0.0;        // mean cross-entropy
  double perplexity = 0.0;  // decoders
  double accuracy = 0.0;    // encoders
  int64_t count = 0;        // tokens or examples scored
  // Decoders: the top-1 next-token id at every scored position, in order, and how often it is the
  // actual next token.
  std::vector<int32_t> top1;
  double top1_accuracy = 0.0;
};

RuntimeEvalResult EvaluateLmWithEngine(Engine& engine, const std::vector<int32_t>& ids, int seq_len,
                                       const ValidationSample& windows);
RuntimeEvalResult EvaluateClassifierWithEngine(Engine& engine, const LabelledTokens& data,
                                               const ValidationSample& examples);

}  // namespace elastiq
