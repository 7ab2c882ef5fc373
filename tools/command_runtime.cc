// Runtime commands (LibTorch-free): `elastiq init --random`, `elastiq quantize`, `elastiq bench`
// (`elastiq run` is in command_run.cc).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "quant/quantize_file.h"
#include "src/core/atomic_file.h"
#include "src/core/cpu_features.h"
#include "src/core/error.h"
#include "src/core/json_fields.h"
#include "src/core/palette_plan.h"
#include "src/format/random_model.h"
#include "src/kernels/packed_layout.h"
#include "src/runtime/bandwidth.h"
#include "src/runtime/decode_speed.h"
#include "src/runtime/device_profile.h"
#include "src/runtime/engine.h"
#include "src/runtime/footprint.h"
#include "src/runtime/latency_model.h"
#include "src/runtime/memory_probe.h"
#include "src/text/tokenizer.h"
#include "tools/commands.h"
#include "tools/runtime_options.h"
#include "tools/training_options.h"

namespace elastiq {
namespace {

// The entries `init --random --sizes` adds: PlanRandomPalette's subnets, marked as random weights.
std::vector<PaletteEntry> RandomPaletteEntries(const ModelConfig& config, const std::vector<double>& sizes) {
  std::vector<PaletteEntry> entries;
  for (const PaletteTarget& t : PlanRandomPalette(config, sizes, static_cast<int>(kPanel))) {
    entries.push_back({t.candidates.front(), {{"random_weights", true}, {"requested_size", t.size}}});
  }
  return entries;
}

// The serialized tokenizer to embed in an init file, checked against the config's vocabulary.
std::string InitTokenizerBytes(const InitOptions& o, const ModelConfig& config) {
  if (o.tokenizer.empty()) return "";
  Tokenizer t = Tokenizer::FromFile(o.tokenizer);
  if (t.vocab_size() != config.vocab_size) {
    throw UserError(o.tokenizer + ": has " + std::to_string(t.vocab_size()) + " pieces but " + o.config +
                    " says vocab_size " + std::to_string(config.vocab_size));
  }
  return t.model_bytes();
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
  const int rc = RunTrainingHelperStreaming(
      {"bench", "--palette", o.palette, "--subnet", subnet, "--threads", std::to_string(threads), "--prompt-tokens",
       std::to_string(o.prompt_tokens), "--decode-tokens", std::to_string(o.decode_tokens), "--repeats",
       std::to_string(o.repeats)},
      [&](const std::string& line) { last = line; });
  const nlohmann::json result = nlohmann::json::parse(last, nullptr, /*allow_exceptions=*/false);
  if (rc != 0 || !result.is_object() || !result.contains("decode_tokens_per_s")) {
    throw UserError("the LibTorch side of bench failed (exit " + std::to_string(rc) +
                    "); rerun with --no-torch to skip it");
  }
  return result;
}

// Bench's report as data: speed, KV cache, the bandwidth roofline measured now.
nlohmann::json BenchReport(const BenchOptions& o, const Engine& engine, const ModelConfig& config,
                           const SubnetSpec& spec, const DecodeSpeed& speed, double bandwidth) {
  const DecodeBenchOptions& d = o.decode;
  const double bytes_per_token = static_cast<double>(engine.weight_bytes_per_token());
  const Roofline roofline = DecodeRoofline(bandwidth, bytes_per_token, speed.decode_tokens_per_s);
  return {{"palette", d.palette},
          {"subnet", spec.name},
          {"format", o.format},
          {"kv_cache", o.kv_cache},
          {"kv_cache_bytes", engine.kv_cache_bytes()},
          {"isa", engine.isa_name()},
          {"threads", engine.threads()},
          {"params", CountParams(config, spec).total()},
          {"prefill_tokens_per_s", speed.prefill_tokens_per_s},
          {"decode_tokens_per_s", speed.decode_tokens_per_s},
          {"decode_ms_per_token", 1e3 / speed.decode_tokens_per_s},
          {"weight_bytes_per_token", bytes_per_token},
          {"bandwidth_bytes_per_s", bandwidth},
          {"roofline_tokens_per_s", roofline.tokens_per_s},
          {"roofline_fraction", roofline.fraction},
          {"prompt_tokens", d.prompt_tokens},
          {"decode_tokens", d.decode_tokens},
          {"repeats", d.repeats}};
}

// The latency model's prediction for what bench ran: the prompt in one call, decode steps at the
// mean context they ran at.
void AddPrediction(nlohmann::json& report, const BenchOptions& o, const DeviceProfile& profile, const Engine& engine,
                   const ModelConfig& config) {
  const DecodeBenchOptions& d = o.decode;
  const LatencyQuery query{engine.format(), engine.kv_cache_format(), d.prompt_tokens + (d.decode_tokens + 1) / 2,
                           d.prompt_tokens, 0};
  const LatencyPrediction p = PredictLatency(profile, config, engine.spec(), query);
  report["predicted_decode_ms_per_token"] = 1e3 * p.decode_seconds;
  report["predicted_prefill_tokens_per_s"] = d.prompt_tokens / p.prefill_seconds;
  report["predicted_working_set_bytes"] = p.working_set_bytes;
  report["predicted_cold_share"] = p.cold_share;
  report["predicted_decode_parts_ms"] = {
      {"linear", 1e3 * p.decode_linear}, {"attention", 1e3 * p.decode_attention}, {"fixed", 1e3 * p.decode_fixed}};
  report["device"] = o.device;
}

void AddTorchComparison(nlohmann::json& report, const nlohmann::json& torch) {
  report["torch_fp32_prefill_tokens_per_s"] = torch["prefill_tokens_per_s"];
  report["torch_fp32_decode_tokens_per_s"] = torch["decode_tokens_per_s"];
  report["decode_speedup_vs_torch_fp32"] =
      report["decode_tokens_per_s"].get<double>() / torch["decode_tokens_per_s"].get<double>();
}

void PrintBenchReport(const nlohmann::json& r) {
  const int prompt_tokens = r["prompt_tokens"], decode_tokens = r["decode_tokens"], repeats = r["repeats"];
  const double decode = r["decode_tokens_per_s"], bytes_per_token = r["weight_bytes_per_token"];
  std::printf("%s [%s, %s, KV cache %s, %s, %d threads], %lld parameters\n", r["palette"].get<std::string>().c_str(),
              r["subnet"].get<std::string>().c_str(), r["format"].get<std::string>().c_str(),
              r["kv_cache"].get<std::string>().c_str(), r["isa"].get<std::string>().c_str(), r["threads"].get<int>(),
              static_cast<long long>(r["params"].get<int64_t>()));
  std::printf("  prefill %d tokens: %.1f tokens/s (median of %d)\n", prompt_tokens,
              r["prefill_tokens_per_s"].get<double>(), repeats);
  std::printf("  decode: %.1f tokens/s, %.3f ms/token (median of %d x %d)\n", decode, 1e3 / decode, repeats,
              decode_tokens);
  std::printf("  KV cache for %d tokens: %.2f MB\n", prompt_tokens + decode_tokens,
              r["kv_cache_bytes"].get<double>() / 1e6);
  std::printf("  weights read per token: %.2f MB; memory bandwidth (measured now): %.2f GB/s\n", bytes_per_token / 1e6,
              r["bandwidth_bytes_per_s"].get<double>() / 1e9);
  std::printf("  bandwidth roofline: %.1f tokens/s; reached %.0f%%\n", r["roofline_tokens_per_s"].get<double>(),
              100.0 * r["roofline_fraction"].get<double>());
  if (r.contains("predicted_decode_ms_per_token")) {
    const double predicted = r["predicted_decode_ms_per_token"], measured = 1e3 / decode;
    std::printf(
        "  predicted (%s): decode %.3f ms/token (measured %+.1f%%), prefill %.1f tokens/s (measured %+.1f%%)\n",
        r["device"].get<std::string>().c_str(), predicted, 100.0 * (measured / predicted - 1.0),
        r["predicted_prefill_tokens_per_s"].get<double>(),
        100.0 * (r["prefill_tokens_per_s"].get<double>() / r["predicted_prefill_tokens_per_s"].get<double>() - 1.0));
  }
  if (r.contains("decode_speedup_vs_torch_fp32")) {
    std::printf(
        "  LibTorch fp32 eager, same subnet and threads (KV-cached): prefill %.1f tokens/s, decode %.1f tokens/s; "
        "this runtime decodes %.1fx faster\n",
        r["torch_fp32_prefill_tokens_per_s"].get<double>(), r["torch_fp32_decode_tokens_per_s"].get<double>(),
        r["decode_speedup_vs_torch_fp32"].get<double>());
  }
}

}  // namespace

int RunInit(const Args& args) {
  InitOptions o;
  if (!ParseOptions("init options", kInitUsage, args, o, AddInitOptions)) return 0;
  if (!o.random)
    throw UserError(
        "init: pass --random (random-weight files for speed and memory work are the only kind init writes)");
  const ModelConfig config = LoadModelConfig(o.config);
  const std::string tokenizer_bytes = InitTokenizerBytes(o, config);
  const std::vector<PaletteEntry> entries =
      o.sizes.empty() ? std::vector<PaletteEntry>{} : RandomPaletteEntries(config, o.sizes);
  WriteRandomModel(o.out, config, o.seed, tokenizer_bytes, entries);
  std::printf("wrote %s: random %s weights, %lld parameters\n", o.out.c_str(), config.name.c_str(),
              static_cast<long long>(CountParams(config, MaxnetSpec(config)).total()));
  for (const PaletteEntry& e : entries) {
    std::printf("  entry %s: %lld parameters\n", e.spec.name.c_str(),
                static_cast<long long>(CountParams(config, e.spec).total()));
  }
  return 0;
}

int RunQuantize(const Args& args) {
  QatOptions o;
  const std::optional<po::variables_map> vm =
      ParseOptions("quantize options", kQuantizeUsage, args, o, AddQuantizeOptions);
  if (!vm) return 0;
  QuantGroup(o.format);  // an unknown format name fails before any work
  if (o.qat_steps < 0) throw UserError("--qat-steps must be >= 0");
  if (o.qat_steps > 0) return RunQatFrontEnd(o, args);
  ResolveParallelOptions(o.parallel);
  RequireOneProcess(o.parallel, "quantize without --qat-steps");
  if (vm->count("data"))
    throw UserError("--data is for QAT; add --qat-steps N (or drop --data for post-training quantization)");
  SelectSubnets(ModelFile::Open(o.in), o.subnets);  // names must exist; the one packed copy serves every entry
  QuantizeSummary s = QuantizeModelFile(o.in, o.format, o.out);
  std::printf(
      "wrote %s: %s copy of %lld matrices; block projections %.2f MB (%.3f bytes/parameter), int8 embedding %.2f MB\n",
      o.out.c_str(), o.format.c_str(), static_cast<long long>(s.matrices), s.linear_bytes / 1e6,
      static_cast<double>(s.linear_bytes) / static_cast<double>(s.linear_params), s.embedding_bytes / 1e6);
  if (o.format == "ternary") {
    std::printf(
        "note: post-training ternarization loses most of a small model's quality; "
        "add --qat-steps N --data DIR (quantization-aware training)\n");
  }
  return 0;
}

int RunBench(const Args& args) {
  BenchOptions o;
  if (!ParseOptions("bench options", kBenchUsage, args, o, AddBenchOptions)) return 0;
  const DecodeBenchOptions& bench = o.decode;
  const WeightFormat weight_format = ParseWeightFormat(o.format);
  const KvCacheFormat kv_cache_format = ParseKvCacheFormat(o.kv_cache);
  CheckDecodeBenchOptions(bench);
  auto store = WeightStore::Open(bench.palette);
  const PaletteEntry& entry = store->file().EntryOrLargest(bench.subnet);
  if (store->config().is_encoder()) throw UserError(bench.palette + ": bench measures decoders; this is an encoder");
  CheckDecodeBenchLength(bench, store->config().max_seq_len);
  const int context = bench.prompt_tokens + bench.decode_tokens;  // <= max_seq_len, checked above
  RequireStateFitsMachine(EstimateFootprint(store->config(), entry.spec, weight_format, kv_cache_format, context,
                                            bench.threads > 0 ? bench.threads : CoreCount(), bench.prompt_tokens),
                          store->config(), context, ProbeMemory().ceiling_bytes(), bench.palette);
  Engine engine(*store, entry.spec,
                {.threads = bench.threads, .context = context, .format = weight_format, .kv_cache = kv_cache_format});
  std::optional<DeviceProfile> profile;
  if (!o.device.empty()) {
    profile = LoadDeviceProfile(o.device);
    RequireProfileMatches(*profile, o.device, engine.isa_name(), engine.threads());
  }
  const std::vector<int> prompt = RandomPromptIds(store->config().vocab_size, bench.prompt_tokens);
  const DecodeSpeed speed = MeasureDecodeSpeed(engine, prompt, bench.decode_tokens, bench.repeats);
  ThreadPool pool(bench.threads);
  nlohmann::json report = BenchReport(o, engine, store->config(), entry.spec, speed, MeasureReadBandwidth(pool));
  if (profile) AddPrediction(report, o, *profile, engine, store->config());
  if (!o.no_torch) {
    const nlohmann::json torch = TorchSideBySide(bench, entry.spec.name, pool.size());
    if (!torch.is_null()) AddTorchComparison(report, torch);
  }
  if (o.json) {
    std::cout << DumpJson(report) << "\n";
  } else {
    PrintBenchReport(report);
  }
  return 0;
}

}  // namespace elastiq
