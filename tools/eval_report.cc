// Formatting of evaluation results.
#include "tools/eval_report.h"

#include <cmath>
#include <cstdio>
#include <iostream>

#include "src/core/error.h"
#include "src/core/json_fields.h"
#include "src/text/baselines.h"

namespace elastiq {

void PrintEvalReport(const nlohmann::json& r, bool as_json) {
  if (as_json) {
    std::cout << DumpJson(r) << "\n";
    return;
  }
  const std::string head = r["model"].get<std::string>() + " [" + r["subnet"].get<std::string>() + ", " +
                           r.value("format", std::string("fp32")) + ", " + r["engine"].get<std::string>() + "] " +
                           r["split"].get<std::string>();
  const std::string sample = r["sample"].get<std::string>();
  const char* drawn = sample == "all" ? "" : sample == "head" ? ", the split's first" : nullptr;
  if (r.contains("accuracy")) {
    std::printf("%s: accuracy %.4f over %lld examples%s (loss %.4f); majority-class baseline %.4f\n", head.c_str(),
                r["accuracy"].get<double>(), static_cast<long long>(r["examples"].get<int64_t>()),
                drawn ? drawn : ", stratified by class", r["loss"].get<double>(),
                r["majority_baseline_accuracy"].get<double>());
  } else {
    std::printf("%s: perplexity %.3f over %lld tokens%s (loss %.4f nats/token); unigram baseline %.3f\n", head.c_str(),
                r["perplexity"].get<double>(), static_cast<long long>(r["tokens"].get<int64_t>()),
                drawn ? drawn : " spread over the split", r["loss"].get<double>(),
                r["unigram_baseline_perplexity"].get<double>());
  }
}

namespace {

// A NaN or infinite loss means the weights are not finite: a clear error, not "perplexity nan".
void RequireFiniteLoss(double loss, const nlohmann::json& report) {
  if (!std::isfinite(loss)) {
    throw UserError(report.value("model", std::string("the model")) + ": evaluation gave a non-finite loss (" +
                    std::to_string(loss) + "): the weights hold NaN or Inf");
  }
}

}  // namespace

void AddDecoderResult(nlohmann::json& report, double loss, double perplexity, const ValidationSample& sample,
                      int seq_len, const TokenStream& train, const TokenStream& eval) {
  RequireFiniteLoss(loss, report);
  const std::vector<int32_t> scored = ScoredTargets(eval.ids, sample, seq_len);
  report.update({{"perplexity", perplexity},
                 {"loss", loss},
                 {"tokens", static_cast<int64_t>(scored.size())},
                 {"sample", sample.how},
                 {"unigram_baseline_perplexity", UnigramPerplexity(train.ids, scored, eval.vocab_size)}});
}

void AddEncoderResult(nlohmann::json& report, double loss, double accuracy, const ValidationSample& sample,
                      const LabelledTokens& train, const LabelledTokens& eval) {
  RequireFiniteLoss(loss, report);
  std::vector<int32_t> scored;
  nlohmann::json per_class = nlohmann::json::object();
  for (int64_t i : sample.picks) {
    const int32_t label = eval.labels[static_cast<size_t>(i)];
    scored.push_back(label);
    const std::string name = label < static_cast<int32_t>(eval.class_names.size())
                                 ? eval.class_names[static_cast<size_t>(label)]
                                 : std::to_string(label);
    per_class[name] = per_class.value(name, int64_t{0}) + 1;
  }
  report.update({{"accuracy", accuracy},
                 {"loss", loss},
                 {"examples", static_cast<int64_t>(scored.size())},
                 {"sample", sample.how},
                 {"examples_per_class", per_class},
                 {"majority_baseline_accuracy", MajorityClassAccuracy(train.labels, scored)}});
}

ValidationSample EvalTextSample(bool head, int64_t num_ids, int seq_len, int64_t max_tokens) {
  return head ? HeadTextWindows(num_ids, seq_len, max_tokens) : SampleTextWindows(num_ids, seq_len, max_tokens);
}

ValidationSample EvalLabelledSample(bool head, const std::vector<int32_t>& labels, int64_t max_examples) {
  return head ? HeadExamples(static_cast<int64_t>(labels.size()), max_examples)
              : SampleLabelledExamples(labels, max_examples);
}

}  // namespace elastiq
