// Runtime commands (LibTorch-free): `elastiq init --random`, `elastiq quantize`, `elastiq bench`
// (`elastiq run` is in command_run.cc).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/median.h"
#include "src/core/palette_plan.h"
#include "src/format/packed_layout.h"
#include "quant/quantize_file.h"
#include "src/format/random_model.h"
#include "src/runtime/bandwidth.h"
#include "src/runtime/engine.h"
#include "src/text/tokenizer.h"
#include "tools/commands.h"
#include "tools/runtime_options.h"
#include "tools/training_options.h"

namespace elastiq {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Extra palette entries for a random model: for each size, the largest subnet of the default search
// space (widths kept to multiples of 32, so every format runs it) within that share of the parameters.
std::vector<PaletteEntry> RandomPaletteEntries(const ModelConfig& config, const std::vector<double>& sizes) {
  SubnetSpace space = DefaultSubnetSpace(config);
  for (std::vector<int>* widths : {&space.d_model, &space.ffn_dim}) {
    std::erase_if(*widths, [&](int w) { return w % kPanel != 0 && w != widths->back(); });
  }
  std::vector<PaletteEntry> entries;
  for (const PaletteTarget& t : PlanPalette(space, config, sizes, 1)) {
    SubnetSpec spec = t.candidates.front();
    if (IsMaxnet(spec, config)) continue;  // the file's "maxnet" entry already
    spec.name = t.name;
    entries.push_back({spec, {{"random_weights", true}, {"requested_size", t.size}}});
  }
  return entries;
}

// The same subnet in LibTorch fp32 (elastiq-train bench), or null with a note where this build
// has no LibTorch side.
nlohmann::json TorchSideBySide(const DecodeBenchOptions& o, const std::string& subnet, int threads) {
  try {
    TrainingHelperPath();
  } catch (const UserError&) {
    std::fprintf(stderr, "elastiq bench: no LibTorch side in this build; the fp32 LibTorch comparison is skipped\n");
    return nullptr;
  }
  std::string last;
  const int rc = RunTrainingHelperStreaming({"bench", "--palette", o.palette, "--subnet", subnet, "--threads", std::to_string(threads),
                                             "--prompt-tokens", std::to_string(o.prompt_tokens), "--decode-tokens",
                                             std::to_string(o.decode_tokens), "--repeats", std::to_string(o.repeats)},
                                            [&](const std::string& line) { last = line; });
  const nlohmann::json result = nlohmann::json::parse(last, nullptr, /*allow_exceptions=*/false);
  if (rc != 0 || !result.is_object() || !result.contains("decode_tokens_per_s")) {
    throw UserError("the LibTorch side of bench failed (exit " + std::to_string(rc) + "); rerun with --no-torch to skip it");
  }
  return result;
}

}  // namespace

int RunInit(const Args& args) {
  std::string config_path, out, tokenizer;
  bool random = false;
  uint64_t seed = 0;
  std::vector<double> sizes;
  po::options_description d("init options");
  d.add_options()
      ("config", po::value(&config_path)->required(), "model config JSON")
      ("random", po::bool_switch(&random), "fill the weights with N(0, 0.02) noise (required: the only mode)")
      ("out", po::value(&out)->required(), "model file to write")
      ("tokenizer", po::value(&tokenizer), "SentencePiece model to embed (needed for `run --prompt`)")
      ("seed", po::value(&seed)->default_value(0), "random seed")
      ("sizes", po::value(&sizes)->multitoken(), "also add palette entries p<percent> of these fractions of the maxnet's parameters, e.g. 0.5 0.25 (largest subnet of the default search space with widths in multiples of 32)");
  po::variables_map vm;
  if (!ParseCommandLine("elastiq init --config FILE.json --random --out FILE.h5 [--tokenizer FILE.model] [--sizes 0.5 0.25]", d, args, vm)) return 0;
  if (!random) throw UserError("init: pass --random (random-weight files for speed and memory work are the only kind init writes)");
  const ModelConfig config = LoadModelConfig(config_path);
  std::string tokenizer_bytes;
  if (!tokenizer.empty()) {
    Tokenizer t = Tokenizer::FromFile(tokenizer);
    if (t.vocab_size() != config.vocab_size) {
      throw UserError(tokenizer + ": has " + std::to_string(t.vocab_size()) + " pieces but " + config_path +
                      " says vocab_size " + std::to_string(config.vocab_size));
    }
    tokenizer_bytes = t.model_bytes();
  }
  const std::vector<PaletteEntry> entries = sizes.empty() ? std::vector<PaletteEntry>{} : RandomPaletteEntries(config, sizes);
  WriteRandomModel(out, config, seed, tokenizer_bytes, entries);
  std::printf("wrote %s: random %s weights, %lld parameters\n", out.c_str(), config.name.c_str(),
              static_cast<long long>(CountParams(config, MaxnetSpec(config)).total()));
  for (const PaletteEntry& e : entries) {
    std::printf("  entry %s: %lld parameters\n", e.spec.name.c_str(), static_cast<long long>(CountParams(config, e.spec).total()));
  }
  return 0;
}

int RunQuantize(const Args& args) {
  QatOptions o;
  po::options_description d("quantize options");
  AddQuantizeOptions(d, o);
  po::variables_map vm;
  if (!ParseCommandLine(kQuantizeUsage, d, args, vm)) return 0;
  QuantGroup(o.format);  // an unknown format name fails before any work
  if (o.qat_steps < 0) throw UserError("--qat-steps must be >= 0");
  if (o.qat_steps > 0) return RunQatFrontEnd(o, args);
  if (vm.count("data")) throw UserError("--data is for QAT; add --qat-steps N (or drop --data for post-training quantization)");
  SelectSubnets(ModelFile::Open(o.in), o.subnets);  // names must exist; the one packed copy serves every entry
  QuantizeSummary s = QuantizeModelFile(o.in, o.format, o.out);
  std::printf("wrote %s: %s copy of %lld matrices; block projections %.2f MB (%.3f bytes/parameter), int8 embedding %.2f MB\n",
              o.out.c_str(), o.format.c_str(), static_cast<long long>(s.matrices), s.linear_bytes / 1e6,
              static_cast<double>(s.linear_bytes) / static_cast<double>(s.linear_params), s.embedding_bytes / 1e6);
  if (o.format == "ternary") {
    std::printf("note: post-training ternarization loses most of a small model's quality; "
                "add --qat-steps N --data DIR (quantization-aware training)\n");
  }
  return 0;
}

int RunBench(const Args& args) {
  DecodeBenchOptions o;
  std::string format = "fp32", kv_cache = kGenerationKvCache;
  bool json = false, no_torch = false;
  po::options_description d("bench options");
  AddDecodeBenchOptions(d, o);
  d.add_options()
      ("format", po::value(&format)->default_value(format), "fp32 | w8a8 | ternary")
      ("no-torch", po::bool_switch(&no_torch), "skip the LibTorch fp32 run of the same subnet (run by default where elastiq-train is built)")
      ("json", po::bool_switch(&json), "print one JSON object");
  AddKvCacheOption(d, kv_cache);
  po::variables_map vm;
  if (!ParseCommandLine("elastiq bench --palette FILE.h5 [--subnet NAME] [--format F] [--threads N] [--json]", d, args, vm)) return 0;
  const WeightFormat weight_format = ParseWeightFormat(format);
  const KvCacheFormat kv_cache_format = ParseKvCacheFormat(kv_cache);
  CheckDecodeBenchOptions(o);
  auto store = WeightStore::Open(o.palette);
  const PaletteEntry& entry = store->file().EntryOrLargest(o.subnet);
  if (store->config().is_encoder()) throw UserError(o.palette + ": bench measures decoders; this is an encoder");
  Engine engine(*store, entry.spec, {.threads = o.threads, .context = o.prompt_tokens + o.decode_tokens, .format = weight_format,
                                     .kv_cache = kv_cache_format});
  std::mt19937 rng(1);
  std::vector<int> prompt(static_cast<size_t>(o.prompt_tokens));
  for (int& t : prompt) t = 4 + static_cast<int>(rng() % static_cast<unsigned>(store->config().vocab_size - 4));
  std::vector<double> prefill, decode;
  for (int r = 0; r < o.repeats + 1; ++r) {  // the first repeat warms caches and pages in the weights
    engine.Reset();
    auto start = Clock::now();
    std::span<const float> logits = engine.Feed(prompt);
    const double p = SecondsSince(start);
    start = Clock::now();
    for (int i = 0; i < o.decode_tokens; ++i) {
      const int next = static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
      logits = engine.Feed(std::span(&next, 1));
    }
    const double dcd = SecondsSince(start);
    if (r == 0) continue;
    prefill.push_back(o.prompt_tokens / p);
    decode.push_back(o.decode_tokens / dcd);
  }
  ThreadPool pool(o.threads);
  const double bandwidth = MeasureReadBandwidth(pool);
  const double decode_median = Median(decode);
  const double bytes_per_token = static_cast<double>(engine.weight_bytes_per_token());
  nlohmann::json out = {{"palette", o.palette}, {"subnet", entry.spec.name}, {"format", format}, {"kv_cache", kv_cache},
                        {"kv_cache_bytes", engine.kv_cache_bytes()},
                        {"isa", engine.isa_name()}, {"threads", pool.size()},
                        {"params", CountParams(store->config(), entry.spec).total()},
                        {"prefill_tokens_per_s", Median(prefill)}, {"decode_tokens_per_s", decode_median},
                        {"decode_ms_per_token", 1e3 / decode_median},
                        {"weight_bytes_per_token", bytes_per_token}, {"bandwidth_bytes_per_s", bandwidth},
                        {"roofline_tokens_per_s", bandwidth / bytes_per_token},
                        {"roofline_fraction", decode_median * bytes_per_token / bandwidth},
                        {"prompt_tokens", o.prompt_tokens}, {"decode_tokens", o.decode_tokens}, {"repeats", o.repeats}};
  const nlohmann::json torch = no_torch ? nlohmann::json() : TorchSideBySide(o, entry.spec.name, pool.size());
  if (!torch.is_null()) {
    out["torch_fp32_prefill_tokens_per_s"] = torch["prefill_tokens_per_s"];
    out["torch_fp32_decode_tokens_per_s"] = torch["decode_tokens_per_s"];
    out["decode_speedup_vs_torch_fp32"] = decode_median / torch["decode_tokens_per_s"].get<double>();
  }
  if (json) {
    std::cout << out.dump() << "\n";
    return 0;
  }
  std::printf("%s [%s, %s, KV cache %s, %s, %d threads], %lld parameters\n", o.palette.c_str(), entry.spec.name.c_str(),
              format.c_str(), kv_cache.c_str(), engine.isa_name(), pool.size(),
              static_cast<long long>(out["params"].get<int64_t>()));
  std::printf("  prefill %d tokens: %.1f tokens/s (median of %d)\n", o.prompt_tokens, Median(prefill), o.repeats);
  std::printf("  decode: %.1f tokens/s, %.3f ms/token (median of %d x %d)\n", decode_median, 1e3 / decode_median, o.repeats, o.decode_tokens);
  std::printf("  KV cache for %d tokens: %.2f MB\n", o.prompt_tokens + o.decode_tokens, engine.kv_cache_bytes() / 1e6);
  std::printf("  weights read per token: %.2f MB; memory bandwidth (measured now): %.2f GB/s\n", bytes_per_token / 1e6, bandwidth / 1e9);
  std::printf("  bandwidth roofline: %.1f tokens/s; reached %.0f%%\n", bandwidth / bytes_per_token,
              100.0 * decode_median * bytes_per_token / bandwidth);
  if (!torch.is_null()) {
    std::printf("  LibTorch fp32 eager, same subnet and threads (KV-cached): prefill %.1f tokens/s, decode %.1f tokens/s; "
                "this runtime decodes %.1fx faster\n", torch["prefill_tokens_per_s"].get<double>(),
                torch["decode_tokens_per_s"].get<double>(), out["decode_speedup_vs_torch_fp32"].get<double>());
  }
  return 0;
}

}  // namespace elastiq
