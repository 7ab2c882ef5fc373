// The LibTorch side of pretrain / mlfs / palette / eval / generate / bench (run inside elastiq-train).
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "lowrank/mlfs.h"
#include "lowrank/palette_search.h"
#include "quant/qat.h"
#include "quant/simulated_quant.h"
#include "src/core/error.h"
#include "src/core/output_lock.h"
#include "src/core/parse_number.h"
#include "src/format/model_file.h"
#include "src/format/training_shape.h"
#include "src/text/baselines.h"
#include "supernet/compute_meter.h"
#include "supernet/decode_bench.h"
#include "supernet/distill.h"
#include "supernet/evaluate.h"
#include "supernet/generate.h"
#include "supernet/model_io.h"
#include "supernet/pretrain.h"
#include "supernet/progress.h"
#include "supernet/training_data.h"
#include "tools/commands.h"
#include "tools/eval_report.h"
#include "tools/palette_targets.h"
#include "tools/training_options.h"

namespace elastiq {

namespace {

// The last line of pretrain and distill: steps, speed, the compute meter's total, validation.
void PrintTrainingSummary(const char* verb, const PretrainSummary& s, const std::string& out) {
  std::printf("%s %lld steps at %.0f tokens/s (%.3g FLOPs, %.0f s); validation %s %.4g; wrote %s\n", verb,
              static_cast<long long>(s.steps), s.tokens_per_second, s.flops, s.seconds,
              ValidationMetricName(ModelFile::Open(out).config()), s.val_metric, out.c_str());
}

// Rank 0 (or the one process) holds the output's lock, writes it and prints progress; the other
// ranks of a data-parallel run print only errors (stderr) and write nothing. Null on those ranks.
std::unique_ptr<OutputLock> ClaimOutput(ParallelOptions& parallel, const std::string& out) {
  ResolveParallelOptions(parallel);
  if (parallel.writes()) return std::make_unique<OutputLock>(out);
  std::fflush(stdout);
  if (!std::freopen("/dev/null", "w", stdout))
    throw UserError("cannot silence the output of rank " + std::to_string(parallel.rank));
  return nullptr;
}

}  // namespace

int RunPretrainHelper(const Args& args) {
  PretrainOptions o;
  if (!ParseOptions("pretrain options", kPretrainUsage, args, o, AddPretrainOptions, AddTrainLoopInternalOptions))
    return 0;
  const auto lock = ClaimOutput(o.parallel, o.out);  // one writer per output
  const PretrainSummary s = RunPretrain(o);
  if (lock) PrintTrainingSummary("pretrained", s, o.out);
  return 0;
}

int RunDistillHelper(const Args& args) {
  DistillOptions o;
  if (!ParseOptions("distill options", kDistillUsage, args, o, AddDistillOptions, AddTrainLoopInternalOptions))
    return 0;
  const auto lock = ClaimOutput(o.parallel, o.out);  // one writer per output
  const PretrainSummary s = RunDistill(o);
  if (lock) PrintTrainingSummary("distilled", s, o.out);
  return 0;
}

int RunMlfsHelper(const Args& args) {
  MlfsOptions o;
  if (!ParseOptions("mlfs options", kMlfsUsage, args, o, AddMlfsOptions, AddTrainLoopInternalOptions)) return 0;
  const auto lock = ClaimOutput(o.parallel, o.out);  // one writer per output
  MlfsSummary s = RunMlfs(o);
  if (s.stopped_early || !lock) return 0;
  std::printf("mlfs: %lld steps (%.3g FLOPs, %.0f s); validation %s maxnet %.4g, smallest %.4g; wrote %s\n",
              static_cast<long long>(s.steps), TrainingFlops(), TrainingSeconds(),
              ValidationMetricName(ModelFile::Open(o.out).config()), s.val_metric_maxnet, s.val_metric_smallest,
              o.out.c_str());
  return 0;
}

int RunPaletteHelper(const Args& args) {
  PaletteOptions o;
  const auto vm = ParseOptions("palette options", kPaletteUsage, args, o, AddPaletteOptions, AddPaletteInternalOptions);
  if (!vm) return 0;
  const PalettePlan plan = PlanPaletteTargets(o, ModelFile::Open(o.supernet), !(*vm)["sizes"].defaulted());
  std::vector<PaletteEntry> entries = RunPaletteSearch(o, plan);
  std::printf("palette: %zu entries; wrote %s (elastiq eval --model %s --subnet NAME)\n", entries.size(), o.out.c_str(),
              o.out.c_str());
  return 0;
}

int RunEvalHelper(const Args& args) {
  EvalOptions o;
  if (!ParseOptions("eval options", kEvalUsage, args, o, AddEvalOptions, AddEvalInternalOptions)) return 0;
  ConfigureTorchProcess(o.threads);
  const Precision precision = ResolvePrecision(o.precision);
  const ModelFile model = ModelFile::Open(o.model);
  const PaletteEntry entry{ResolveSubnet(model, o.shape_from, o.subnet)};
  SuperTransformer net = LoadSuperTransformer(model);
  net->eval();
  std::unique_ptr<SimulatedQuant> quant;  // W8A8 / ternary: the file's packed integers, simulated exactly
  if (o.format != "fp32") {
    quant = SimulatedQuant::FromFile(model, ParseSimFormat(o.format));
    net->SetLinearHook(quant.get());
  }
  const ModelConfig& c = model.config();
  nlohmann::json out = {{"model", o.model},
                        {"subnet", entry.spec.name},
                        {"split", o.split},
                        {"engine", o.engine},
                        {"params", CountParams(c, entry.spec).total()}};
  if (c.is_encoder()) {
    LabelledTokens eval = ReadLabelledTokens(o.eval_ids), train = ReadLabelledTokens(o.train_ids);
    const ValidationSample sample = EvalLabelledSample(o.head, eval.labels, o.max_tokens);
    EvalResult r = EvaluateClassifier(net, entry.spec, eval, c.max_seq_len, o.batch_size, sample, precision);
    AddEncoderResult(out, r.loss, r.accuracy, sample, train, eval);
  } else {
    TokenStream eval = ReadTokenStream(o.eval_ids), train = ReadTokenStream(o.train_ids);
    const ValidationSample sample =
        EvalTextSample(o.head, static_cast<int64_t>(eval.ids.size()), c.max_seq_len, o.max_tokens);
    EvalResult r = EvaluateLm(net, entry.spec, eval.ids, c.max_seq_len, o.batch_size, sample, precision);
    AddDecoderResult(out, r.loss, r.perplexity, sample, c.max_seq_len, train, eval);
  }
  PrintEvalReport(out, o.json);
  return 0;
}

int RunQatHelper(const Args& args) {
  QatOptions o;
  if (!ParseOptions("quantize options", kQuantizeUsage, args, o, AddQuantizeOptions, AddTrainLoopInternalOptions))
    return 0;
  const auto lock = ClaimOutput(o.parallel, o.out);  // one writer per output
  QatSummary s = RunQat(o);
  if (s.stopped_early || !lock) return 0;
  std::printf(
      "qat: %lld steps (%.3g FLOPs, %.0f s); wrote %s (%s copy from the QAT weights; evaluate with elastiq eval "
      "--model %s --format %s --subnet NAME)\n",
      static_cast<long long>(s.steps), TrainingFlops(), TrainingSeconds(), o.out.c_str(), o.format.c_str(),
      o.out.c_str(), o.format.c_str());
  return 0;
}

int RunGenerateHelper(const Args& args) {
  GenerateOptions o;
  if (!ParseOptions("generate options", kGenerateUsage, args, o, AddGenerateOptions, AddGenerateInternalOptions))
    return 0;
  ConfigureTorchProcess(o.threads);
  const ModelFile model = ModelFile::Open(o.model);
  const PaletteEntry& entry = model.EntryOrLargest(o.subnet);
  const std::vector<int> prompt = ParseTokenIds(o.prompt_ids, model.config().vocab_size, "--prompt-ids");
  SuperTransformer net = LoadSuperTransformer(model);
  net->eval();
  GenerateReference(net, entry.spec, prompt, o.max_tokens, o.sampler, [](int id) {
    std::printf("%d\n", id);
    std::fflush(stdout);
  });
  return 0;
}

int RunBenchHelper(const Args& args) {
  DecodeBenchOptions o;
  if (!ParseOptions("bench options", "elastiq-train bench --palette FILE.h5 [--subnet NAME] [--threads N]", args, o,
                    AddDecodeBenchOptions))
    return 0;
  CheckDecodeBenchOptions(o);
  ConfigureTorchProcess(o.threads);
  const ModelFile model = ModelFile::Open(o.palette);
  const PaletteEntry& entry = model.EntryOrLargest(o.subnet);
  CheckDecodeBenchLength(o, model.config().max_seq_len);
  SuperTransformer net = LoadSuperTransformer(model);
  const TorchDecodeSpeed speed = MeasureTorchDecode(net, entry.spec, o.prompt_tokens, o.decode_tokens, o.repeats);
  std::cout << nlohmann::json{{"subnet", entry.spec.name},
                              {"threads", torch::get_num_threads()},
                              {"prefill_tokens_per_s", speed.prefill_tokens_per_s},
                              {"decode_tokens_per_s", speed.decode_tokens_per_s}}
                   .dump()
            << "\n";
  return 0;
}

}  // namespace elastiq
