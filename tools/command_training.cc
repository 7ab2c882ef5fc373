// Front ends of pretrain / mlfs / palette / eval / generate: check the user's files here (clear errors early),
// tokenize with SentencePiece, then hand the token ids to elastiq-train.
#include <cstdio>
#include <iostream>

#include "quant/quantize_file.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/parse_number.h"
#include "src/core/subnet_space.h"
#include "src/format/model_file.h"
#include "src/format/training_shape.h"
#include "src/runtime/runtime_eval.h"
#include "src/text/baselines.h"
#include "src/text/data_dir.h"
#include "src/text/incremental_decoder.h"
#include "src/text/tokenize_data.h"
#include "src/text/tokenizer.h"
#include "tools/commands.h"
#include "tools/eval_report.h"
#include "tools/palette_targets.h"
#include "tools/runtime_options.h"
#include "tools/training_options.h"

namespace elastiq {
namespace {

// "pretrain" + what the user typed + internal flags.
Args HelperArgs(const std::string& command, const Args& user_args, std::initializer_list<std::string> extra) {
  Args out{command};
  out.insert(out.end(), user_args.begin(), user_args.end());
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

void CheckDataMatchesModel(const DataDir& dir, const ModelConfig& config, const std::string& config_name) {
  if (dir.labelled() != config.is_encoder()) {
    throw UserError(dir.path + ": holds " + (dir.labelled() ? "labelled examples" : "plain text") + " but " +
                    config_name + " is a" + (config.is_encoder() ? "n encoder" : " decoder") +
                    "; pair text with decoders and labelled data (spam) with encoders");
  }
}

// Opens the data folder, checks that it suits the model (`model_source` names the model in errors),
// tokenizes `splits` (cached inside the folder) and returns their token-id files, in order.
std::vector<std::string> TokenizeForModel(const std::string& data, const Tokenizer& tokenizer,
                                          const ModelConfig& config, const std::string& model_source,
                                          const std::vector<std::string>& splits) {
  const DataDir dir = OpenDataDir(data);
  CheckDataMatchesModel(dir, config, model_source);
  std::vector<std::string> ids;
  for (const std::string& split : splits) ids.push_back(EnsureTokenized(dir, tokenizer, split));
  return ids;
}

// The hand-off of the training commands: tokenize the train and val splits, then run `command` in
// elastiq-train with the user's arguments and the token-id files.
int HandOffTraining(const std::string& command, const Args& args, const std::string& data, const Tokenizer& tokenizer,
                    const ModelConfig& config, const std::string& model_source) {
  std::printf("tokenizing %s ...\n", data.c_str());
  std::fflush(stdout);
  const std::vector<std::string> ids = TokenizeForModel(data, tokenizer, config, model_source, {"train", "val"});
  return RunTrainingHelper(HelperArgs(command, args, {"--train-ids", ids[0], "--val-ids", ids[1]}));
}

// Writes the top-1 ids, whitespace-separated, ten to a line.
void WritePredictions(const std::string& path, const std::vector<int32_t>& top1) {
  std::string text;
  for (size_t i = 0; i < top1.size(); ++i) text += std::to_string(top1[i]) + (i % 10 == 9 ? "\n" : " ");
  WriteFileAtomically(path, text + "\n");
}

int EvaluateWithRuntime(const EvalOptions& o, KvCacheFormat kv_cache, const std::string& eval_ids,
                        const std::string& train_ids, const std::string& predictions) {
  auto store = WeightStore::Open(o.model);
  const PaletteEntry entry{ResolveSubnet(store->file(), o.shape_from, o.subnet)};
  const ModelConfig& c = store->config();
  Engine engine(*store, entry.spec,
                {.threads = o.threads, .format = ParseWeightFormat(o.format), .kv_cache = kv_cache});
  nlohmann::json out = {{"model", o.model},
                        {"subnet", entry.spec.name},
                        {"split", o.split},
                        {"engine", o.engine},
                        {"format", o.format},
                        {"kv_cache", KvCacheFormatName(kv_cache)},
                        {"params", CountParams(c, entry.spec).total()}};
  if (c.is_encoder()) {
    LabelledTokens eval = ReadLabelledTokens(eval_ids), train = ReadLabelledTokens(train_ids);
    const ValidationSample sample = EvalLabelledSample(o.head, eval.labels, o.max_tokens);
    RuntimeEvalResult r = EvaluateClassifierWithEngine(engine, eval, sample);
    AddEncoderResult(out, r.loss, r.accuracy, sample, train, eval);
  } else {
    TokenStream eval = ReadTokenStream(eval_ids), train = ReadTokenStream(train_ids);
    const ValidationSample sample =
        EvalTextSample(o.head, static_cast<int64_t>(eval.ids.size()), c.max_seq_len, o.max_tokens);
    RuntimeEvalResult r = EvaluateLmWithEngine(engine, eval.ids, c.max_seq_len, sample);
    AddDecoderResult(out, r.loss, r.perplexity, sample, c.max_seq_len, train, eval);
    out["top1_accuracy"] = r.top1_accuracy;
    if (!predictions.empty()) WritePredictions(predictions, r.top1);
  }
  PrintEvalReport(out, o.json);
  return 0;
}

}  // namespace

int RunPretrainFrontEnd(const Args& args) {
  PretrainOptions o;
  if (!ParseOptions("pretrain options", kPretrainUsage, args, o, AddPretrainOptions)) return 0;
  ResolveParallelOptions(o.parallel);
  const ModelConfig config = ResolveTrainingShape(o.config, o.shape_from, o.subnet).config;
  const std::string config_source = o.config.empty() ? o.shape_from : o.config;
  const Tokenizer tokenizer = Tokenizer::FromFile(o.tokenizer);
  if (tokenizer.vocab_size() != config.vocab_size) {
    throw UserError(config_source + ": vocab_size is " + std::to_string(config.vocab_size) + " but the tokenizer " +
                    o.tokenizer + " has " + std::to_string(tokenizer.vocab_size()) + " pieces; set \"vocab_size\": " +
                    std::to_string(tokenizer.vocab_size()) + " in the config or train a matching tokenizer");
  }
  return HandOffTraining("pretrain", args, o.data, tokenizer, config, config_source);
}

int RunMlfsFrontEnd(const Args& args) {
  MlfsOptions o;
  if (!ParseOptions("mlfs options", kMlfsUsage, args, o, AddMlfsOptions)) return 0;
  ResolveParallelOptions(o.parallel);
  const ModelFile teacher = ModelFile::Open(o.teacher);
  teacher.RequireKind({kKindCheckpoint}, "mlfs --teacher");
  if (!o.space.empty()) LoadSubnetSpace(o.space, teacher.config());  // nests inside the teacher?
  return HandOffTraining("mlfs", args, o.data, EmbeddedTokenizer(teacher), teacher.config(), o.teacher);
}

int RunDistillFrontEnd(const Args& args) {
  DistillOptions o;
  if (!ParseOptions("distill options", kDistillUsage, args, o, AddDistillOptions)) return 0;
  ResolveParallelOptions(o.parallel);
  const ModelFile teacher = ModelFile::Open(o.teacher);
  teacher.RequireKind({kKindCheckpoint}, "distill --teacher");
  return HandOffTraining("distill", args, o.data, EmbeddedTokenizer(teacher), teacher.config(), o.teacher);
}

int RunPaletteFrontEnd(const Args& args) {
  PaletteOptions o;
  const auto vm = ParseOptions("palette options", kPaletteUsage, args, o, AddPaletteOptions);
  if (!vm) return 0;
  const ModelFile supernet = ModelFile::Open(o.supernet);
  supernet.RequireKind({kKindSupernet}, "palette --supernet");
  const ModelConfig& c = supernet.config();
  PlanPaletteTargets(o, supernet, !(*vm)["sizes"].defaulted());  // every size or budget can be met?
  const std::vector<std::string> ids = TokenizeForModel(o.data, EmbeddedTokenizer(supernet), c, o.supernet, {"val"});
  return RunTrainingHelper(HelperArgs("palette", args, {"--val-ids", ids[0]}));
}

int RunEvalFrontEnd(const Args& args) {
  EvalOptions o;
  std::string kv_cache = "f32";  // the reference measurement; the LibTorch helper does not take the flag
  std::string predictions;       // runtime decoders only
  po::options_description d("eval options");
  AddEvalOptions(d, o);
  AddKvCacheOption(d, kv_cache);
  d.add_options()("predictions", po::value(&predictions),
                  "runtime, decoders: write the top-1 next-token id of every scored position to this file "
                  "(whitespace-separated; for comparisons with other implementations)");
  po::variables_map vm;
  if (!ParseCommandLine(kEvalUsage, d, args, vm)) return 0;
  if (o.engine != "torch" && o.engine != "runtime")
    throw UserError("--engine must be torch or runtime, got \"" + o.engine + "\"");
  const KvCacheFormat kv_cache_format = ParseKvCacheFormat(kv_cache);
  if (o.engine == "torch" && !vm["kv-cache"].defaulted()) {
    throw UserError("--kv-cache is for --engine runtime (LibTorch evaluates whole windows without a KV cache)");
  }
  if (!predictions.empty() && o.engine == "torch") throw UserError("--predictions is for --engine runtime");
  CheckSplitName(o.split);
  ParseWeightFormat(o.format);
  const ModelFile model = ModelFile::Open(o.model);
  ResolveSubnet(model, o.shape_from, o.subnet);  // a missing entry or a config mismatch fails here
  if (!predictions.empty() && model.config().is_encoder())
    throw UserError("--predictions is for decoders (next-token ids); " + o.model + " is an encoder");
  const std::vector<std::string> ids =
      TokenizeForModel(o.data, EmbeddedTokenizer(model), model.config(), o.model, {o.split, "train"});
  const std::string& eval_ids = ids[0];
  const std::string& train_ids = ids[1];
  if (o.engine == "torch")
    return RunTrainingHelper(HelperArgs("eval", args, {"--eval-ids", eval_ids, "--train-ids", train_ids}));
  return EvaluateWithRuntime(o, kv_cache_format, eval_ids, train_ids, predictions);
}

int RunQatFrontEnd(const QatOptions& o, const Args& args) {
  ParallelOptions parallel = o.parallel;
  ResolveParallelOptions(parallel);  // a rank out of range fails before tokenizing
  if (o.data.empty()) throw UserError("--qat-steps needs --data DIR: QAT trains on data (elastiq data prepare)");
  const ModelFile model = ModelFile::Open(o.in);
  RequireNoQuantCopy(model, o.format);
  SelectSubnets(model, o.subnets);
  return HandOffTraining("qat", args, o.data, EmbeddedTokenizer(model), model.config(), o.in);
}

int RunGenerateFrontEnd(const Args& args) {
  GenerateOptions o;
  if (!ParseOptions("generate options", kGenerateUsage, args, o, AddGenerateOptions)) return 0;
  ValidateSamplerOptions(o.sampler);
  if (o.max_tokens <= 0) throw UserError("--max-tokens must be positive");
  const ModelFile model = ModelFile::Open(o.model);
  if (model.config().is_encoder()) throw UserError(o.model + ": an encoder (classifier) cannot generate text");
  if (!o.subnet.empty()) model.Entry(o.subnet);
  const Tokenizer tokenizer = EmbeddedTokenizer(model);
  std::vector<int> prompt = tokenizer.Encode(o.prompt);
  prompt.insert(prompt.begin(), kBosId);
  std::string ids;
  for (int id : prompt) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  IncrementalDecoder decoder(tokenizer, std::vector<int>(prompt.begin() + 1, prompt.end()));
  std::cout << decoder.prompt_text() << std::flush;
  int rc =
      RunTrainingHelperStreaming(HelperArgs("generate", args, {"--prompt-ids", ids}), [&](const std::string& line) {
        std::cout << decoder.Push(ParseInt(line, "a token id from elastiq-train generate")) << std::flush;
      });
  std::cout << "\n";
  return rc;
}

}  // namespace elastiq
