// Quality of a (sub)net with LibTorch: perplexity on a token stream (decoders) or accuracy on
// labelled examples (encoders), over a validation sample (src/text/validation_sample.h).
#pragma once

#include <cstdint>
#include <string>

#include "src/core/subnet_spec.h"
#include "src/text/token_ids.h"
#include "src/text/validation_sample.h"
#include "supernet/super_transformer.h"
#include "supernet/torch_setup.h"

namespace elastiq {

struct EvalResult {
  double loss = 0.0;        // mean cross-entropy (nats per token, or per example)
  double perplexity = 0.0;  // decoders: exp(loss)
  double accuracy = 0.0;    // encoders
  int64_t count = 0;        // tokens (decoder) or examples (encoder) scored
  std::string sample;       // how they were drawn: ValidationSample::how
};

// Scores the sample's windows (SampleTextWindows) or examples (SampleLabelledExamples).
EvalResult EvaluateLm(SuperTransformer& model, const SubnetSpec& spec, const std::vector<int32_t>& ids, int seq_len,
                      int batch, const ValidationSample& windows, Precision precision);
EvalResult EvaluateClassifier(SuperTransformer& model, const SubnetSpec& spec, const LabelledTokens& data, int max_len,
                              int batch, const ValidationSample& examples, Precision precision);

}  // namespace elastiq
