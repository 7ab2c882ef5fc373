// Options of the commands that run the LibTorch-free engine (init, bench, run; the --kv-cache of
// eval --engine runtime): one plain struct per command, each registered here once with its names,
// defaults and help.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/runtime/memory_watch.h"
#include "src/runtime/sampler.h"
#include "src/runtime/selection.h"
#include "tools/cli.h"
#include "tools/training_options.h"

namespace elastiq {

// The KV cache of `run` and `bench` unless --kv-cache says otherwise: fp16, half the cache's memory
// and bytes read per token, faster decoding at long contexts at a logit cost of ~1e-3 relative
// (experiments/results/kv_cache_f16.md). `eval --engine runtime` keeps f32, the reference.
inline constexpr const char* kGenerationKvCache = "f16";

// --kv-cache f32|f16 into `value`, whose content on entry is the command's default. Check it with
// ParseKvCacheFormat (src/runtime/kv_cache.h): a bad value is a UserError naming --kv-cache.
void AddKvCacheOption(po::options_description& d, std::string& value);

struct InitOptions {
  std::string config, out, tokenizer;
  bool random = false;
  uint64_t seed = 0;
  std::vector<double> sizes;  // extra palette entries p<percent>
};
inline constexpr const char* kInitUsage =
    "elastiq init --config FILE.json --random --out FILE.h5 [--tokenizer FILE.model] [--sizes 0.5 0.25]";
void AddInitOptions(po::options_description& d, InitOptions& o);

struct BenchOptions {
  DecodeBenchOptions decode;  // shared with the LibTorch side (elastiq-train bench)
  std::string format = "fp32", kv_cache = kGenerationKvCache;
  std::string device;  // a profile of this machine: predicted beside measured
  bool json = false, no_torch = false;
};
inline constexpr const char* kBenchUsage =
    "elastiq bench --palette FILE.h5 [--subnet NAME] [--format F] [--threads N] [--json]";
void AddBenchOptions(po::options_description& d, BenchOptions& o);

struct RunOptions {
  std::string palette, subnet, prompt, prompt_ids, format = "fp32", kv_cache = kGenerationKvCache, budget, switch_at;
  std::string device;  // a profile of this machine
  double max_latency_ms = 0.0;
  double fraction = kDefaultMemoryFraction;
  int max_tokens = 64, threads = 0, context = 0, prefill_chunk = 64, token_delay_ms = 0;
  bool watch = false;
  WatchOptions watch_options;
  SamplerOptions sampler;
};
inline constexpr const char* kRunUsage =
    "elastiq run --palette FILE.h5 [--subnet NAME | --memory-budget auto|SIZE [--watch-memory]] --prompt TEXT "
    "[--max-tokens N] [--device D.json [--max-latency-ms X]]";
void AddRunOptions(po::options_description& d, RunOptions& o);

}  // namespace elastiq
