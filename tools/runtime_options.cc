// Registration of the runtime commands' options.
#include "tools/runtime_options.h"

namespace elastiq {

void AddKvCacheOption(po::options_description& d, std::string& value) {
  // clang-format off
  d.add_options()("kv-cache", po::value(&value)->default_value(value),
                  "KV-cache elements: f32 | f16 (IEEE half: half the cache memory and the bytes attention reads "
                  "per token; logits within ~1e-3 relative of f32)");
  // clang-format on
}

void AddInitOptions(po::options_description& d, InitOptions& o) {
  // clang-format off
  d.add_options()
      ("config", po::value(&o.config)->required(), "model config JSON")
      ("random", po::bool_switch(&o.random), "fill the weights with N(0, 0.02) noise (required: the only mode)")
      ("out", po::value(&o.out)->required(), "model file to write")
      ("tokenizer", po::value(&o.tokenizer), "SentencePiece model to embed (needed for `run --prompt`)")
      ("seed", po::value(&o.seed)->default_value(o.seed), "random seed")
      ("sizes", po::value(&o.sizes)->multitoken(), "also add palette entries p<percent> of these fractions of the maxnet's parameters, e.g. 0.5 0.25 (largest subnet of the default search space with widths in multiples of 32)");
  // clang-format on
}

void AddBenchOptions(po::options_description& d, BenchOptions& o) {
  AddDecodeBenchOptions(d, o.decode);
  // clang-format off
  d.add_options()
      ("format", po::value(&o.format)->default_value(o.format), "fp32 | w8a8 | ternary")
      ("device", po::value(&o.device), "device profile of this machine (elastiq device probe): print the predicted time beside the measured")
      ("no-torch", po::bool_switch(&o.no_torch), "skip the LibTorch fp32 run of the same subnet (run by default where elastiq-train is built)")
      ("json", po::bool_switch(&o.json), "print one JSON object");
  // clang-format on
  AddKvCacheOption(d, o.kv_cache);
}

void AddRunOptions(po::options_description& d, RunOptions& o) {
  // clang-format off
  d.add_options()
      ("palette", po::value(&o.palette)->required(), "model file (any elastiq .h5)")
      ("subnet", po::value(&o.subnet), "palette entry (default: the largest)")
      ("prompt", po::value(&o.prompt)->default_value(""), "text to continue")
      ("prompt-ids", po::value(&o.prompt_ids), "token ids to continue instead of --prompt, e.g. 1,87,5 (files without a tokenizer, such as init --random; prints ids)")
      ("max-tokens", po::value(&o.max_tokens)->default_value(o.max_tokens), "tokens to generate at most")
      ("format", po::value(&o.format)->default_value(o.format), "fp32 | w8a8 | ternary")
      ("threads", po::value(&o.threads)->default_value(0), "threads (0: one per core)")
      ("context", po::value(&o.context)->default_value(0), "context length in tokens (0: the model's max)")
      ("prefill-chunk", po::value(&o.prefill_chunk)->default_value(o.prefill_chunk), "tokens per forward pass when (re-)prefilling; bounds the scratch memory")
      ("memory-budget", po::value(&o.budget), "pick the best palette entry that fits: auto (a share of the memory this process can spare now) or a size such as 300M")
      ("memory-fraction", po::value(&o.fraction)->default_value(o.fraction), "share of the spare memory --memory-budget auto may use")
      ("watch-memory", po::bool_switch(&o.watch), "re-check the memory between tokens and switch entries: down as soon as the current one no longer fits, up when a better one fits with a margin (implies --memory-budget auto)")
      ("watch-every", po::value(&o.watch_options.every_tokens)->default_value(o.watch_options.every_tokens), "full memory probe every N tokens (the cgroup limit is re-read every token)")
      ("switch-up-margin", po::value(&o.watch_options.up_margin)->default_value(o.watch_options.up_margin, "0.2"), "switch up only when the better entry fits in (1 - margin) x budget")
      ("switch-up-hold", po::value(&o.watch_options.up_hold_tokens)->default_value(o.watch_options.up_hold_tokens), "switch up no sooner than this many tokens after the last switch")
      ("device", po::value(&o.device), "device profile of this machine (elastiq device probe): entries show their predicted decode time, and the summary predicted beside measured")
      ("max-latency-ms", po::value(&o.max_latency_ms), "with --device: only entries predicted to decode within this many ms per token at the end of --context; the best of them (that fits --memory-budget) runs, and --watch-memory switches only among them; when 16 measured steps take longer at the median, a faster entry takes over")
      ("switch-at", po::value(&o.switch_at), "scripted switches for measurements and demos: AFTER_TOKENS:ENTRY,... e.g. 16:p25,48:maxnet")
      ("token-delay-ms", po::value(&o.token_delay_ms)->default_value(0), "sleep after each token (demos and tests: time to change a memory limit mid-run)");
  // clang-format on
  AddKvCacheOption(d, o.kv_cache);
  AddSamplerOptions(d, o.sampler);
}

}  // namespace elastiq
