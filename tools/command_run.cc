// `elastiq run`: generate from a palette entry chosen by name or by memory budget, and with
// --watch-memory switch entries while generating as the memory the process can spare changes.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include "src/core/error.h"
#include "src/runtime/generate.h"
#include "src/runtime/memory_watch.h"
#include "src/text/incremental_decoder.h"
#include "src/text/special_tokens.h"
#include "src/text/tokenizer.h"
#include "tools/commands.h"
#include "tools/runtime_options.h"
#include "tools/training_options.h"

namespace elastiq {
namespace {

struct RunOptions {
  std::string palette, subnet, prompt, prompt_ids, format = "fp32", kv_cache = kGenerationKvCache, budget, switch_at;
  double fraction = kDefaultMemoryFraction;
  int max_tokens = 64, threads = 0, context = 0, prefill_chunk = 64, token_delay_ms = 0;
  bool watch = false;
  WatchOptions watch_options;
  SamplerOptions sampler;
};

std::vector<int> ParseTokenIds(const std::string& text, int vocab_size) {
  std::vector<int> ids;
  std::string cleaned = text;
  for (char& c : cleaned) c = c == ',' ? ' ' : c;
  std::istringstream in(cleaned);
  for (std::string word; in >> word;) {
    size_t used = 0;
    int id = -1;
    try {
      id = std::stoi(word, &used);
    } catch (...) {
    }
    if (used != word.size() || id < 0 || id >= vocab_size) {
      throw UserError("--prompt-ids: \"" + word + "\" is not a token id in 0.." + std::to_string(vocab_size - 1));
    }
    ids.push_back(id);
  }
  return ids;
}

// The selection table (DescribeSelection) for the session's entries and a budget.
std::string DescribeChoice(const Session& session, int64_t budget, const std::string& reason) {
  Selection s{budget, reason, session.entries(), BestFitting(session.entries(), budget)};
  for (EntryChoice& e : s.ranked) e.fits = e.footprint.total() <= budget;
  return DescribeSelection(s);
}

void LogSwitch(const SwitchRecord& r) { std::fprintf(stderr, "elastiq: switch at %s\n", r.Describe().c_str()); }

}  // namespace

int RunRun(const Args& args) {
  RunOptions o;
  po::options_description d("run options");
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
      ("switch-at", po::value(&o.switch_at), "scripted switches for measurements and demos: AFTER_TOKENS:ENTRY,... e.g. 16:p25,48:maxnet")
      ("token-delay-ms", po::value(&o.token_delay_ms)->default_value(0), "sleep after each token (demos and tests: time to change a memory limit mid-run)");
  AddKvCacheOption(d, o.kv_cache);
  AddSamplerOptions(d, o.sampler);
  po::variables_map vm;
  if (!ParseCommandLine("elastiq run --palette FILE.h5 [--subnet NAME | --memory-budget auto|SIZE [--watch-memory]] --prompt TEXT [--max-tokens N]", d, args, vm)) return 0;
  const WeightFormat format = ParseWeightFormat(o.format);
  const KvCacheFormat kv_cache = ParseKvCacheFormat(o.kv_cache);
  ValidateSamplerOptions(o.sampler);
  if (o.max_tokens <= 0) throw UserError("--max-tokens must be positive");
  if (o.token_delay_ms < 0) throw UserError("--token-delay-ms must not be negative");
  if (!o.budget.empty() && !o.subnet.empty()) throw UserError("give either --subnet or --memory-budget, not both");
  if (o.watch && !o.switch_at.empty()) throw UserError("give either --watch-memory or --switch-at, not both");
  if (o.watch && o.budget.empty() && o.subnet.empty()) o.budget = "auto";
  if (o.watch && !o.budget.empty() && o.budget != "auto") {
    throw UserError("--watch-memory follows what the process can spare: use --memory-budget auto (with --memory-fraction), not a fixed size");
  }
  o.watch_options.fraction = o.fraction;
  auto store = WeightStore::Open(o.palette);
  Session session(*store, {.format = format, .kv_cache = kv_cache, .threads = o.threads, .context = o.context,
                           .prefill_chunk = o.prefill_chunk});

  // The prompt, as text through the file's tokenizer or as ids.
  std::vector<int> ids;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<IncrementalDecoder> decoder;
  if (vm.count("prompt-ids")) {
    ids = ParseTokenIds(o.prompt_ids, store->config().vocab_size);
    if (ids.empty()) throw UserError("--prompt-ids: give at least one token id (1 is BOS)");
  } else {
    if (!store->file().h5().Exists("/tokenizer")) {
      throw UserError(o.palette + ": holds no tokenizer; pass --prompt-ids (e.g. 1 for BOS), or embed one with `elastiq init --tokenizer`");
    }
    tokenizer = std::make_unique<Tokenizer>(Tokenizer::FromBytes(store->file().TokenizerBytes(), o.palette + " /tokenizer"));
    ids = tokenizer->Encode(o.prompt);
    ids.insert(ids.begin(), kBosId);
    decoder = std::make_unique<IncrementalDecoder>(*tokenizer, std::vector<int>(ids.begin() + 1, ids.end()));
  }
  if (static_cast<int>(ids.size()) >= session.context()) {
    throw UserError("the prompt is " + std::to_string(ids.size()) + " tokens, longer than the context (" +
                    std::to_string(session.context()) + "); shorten it or raise --context");
  }

  std::unique_ptr<SwitchAdvisor> advisor;
  if (o.watch) advisor = std::make_unique<MemoryWatch>([] { return ProbeMemory(); }, o.watch_options);
  if (!o.switch_at.empty()) advisor = std::make_unique<ScriptedSwitches>(o.switch_at, session);
  std::vector<SwitchAdvisor*> advisors;
  if (advisor) advisors.push_back(advisor.get());
  const int64_t rss_before_model = ReadProcessRss();
  // The first entry: by budget, by name, or the largest.
  if (!o.budget.empty()) {
    std::string reason;
    const int64_t budget = ResolveBudget({.budget = o.budget, .fraction = o.fraction}, ProbeMemory(), &reason);
    if (BestFitting(session.entries(), budget) < 0) throw NothingFits(session.entries(), budget, reason, format, session.context());
    std::fprintf(stderr, "%s", DescribeChoice(session, budget, reason).c_str());
    LogSwitch(session.SelectByBudget(budget, "memory budget " + FormatBytes(budget)));
  } else {
    LogSwitch(session.SelectByName(store->file().EntryOrLargest(o.subnet).spec.name));
  }

  if (decoder) {
    std::cout << decoder->prompt_text() << std::flush;
  } else {
    for (int id : ids) std::cout << id << " ";
    std::cout << "|" << std::flush;
  }
  const auto start = std::chrono::steady_clock::now();
  session.Append(ids);
  const double prefill_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  Sampler sampler(o.sampler);
  GenerateCallbacks callbacks;
  callbacks.on_token = [&](int token) {
    if (decoder) {
      std::cout << decoder->Push(token) << std::flush;
    } else {
      std::cout << " " << token << std::flush;
    }
    if (o.token_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(o.token_delay_ms));
  };
  callbacks.on_switch = LogSwitch;
  const GenerateResult g = Generate(session, sampler, o.max_tokens, advisors, callbacks);
  std::cout << "\n";
  std::fprintf(stderr, "[%s %s, KV cache %s, %s, %d threads] prompt %zu tokens in %.1f ms; %d tokens at %.1f tokens/s; %d switches; VmRSS %s (%s before the first entry; predicted footprint %s)\n",
               session.current_entry().name.c_str(), o.format.c_str(), o.kv_cache.c_str(), session.engine().isa_name(),
               session.engine().threads(),
               ids.size(), prefill_ms, g.generated, g.generated / std::max(g.seconds, 1e-9), g.switches,
               FormatBytes(ReadProcessRss()).c_str(), FormatBytes(rss_before_model).c_str(),
               FormatBytes(session.current_entry().footprint.total()).c_str());
  if (g.switches > 0) {
    for (const GiveBackRecord& g : session.GiveBacks()) std::fprintf(stderr, "elastiq: %s\n", g.Describe().c_str());
  }
  return 0;
}

}  // namespace elastiq
