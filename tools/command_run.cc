// `elastiq run`: generate from a palette entry chosen by name or by memory budget, and with
// --watch-memory switch entries while generating as the memory the process can spare changes.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "src/core/error.h"
#include "src/core/parse_number.h"
#include "src/runtime/device_profile.h"
#include "src/runtime/generate.h"
#include "src/runtime/latency_guard.h"
#include "src/runtime/latency_model.h"
#include "src/runtime/memory_watch.h"
#include "src/text/incremental_decoder.h"
#include "src/text/special_tokens.h"
#include "src/text/tokenizer.h"
#include "tools/commands.h"
#include "tools/runtime_options.h"

namespace elastiq {
namespace {

// UserError for values and combinations run refuses; --watch-memory alone implies --memory-budget auto.
void CheckRunOptions(RunOptions& o, bool budget_given) {
  ValidateSamplerOptions(o.sampler);
  CheckThreadCount(o.threads);
  if (budget_given && o.budget.empty()) throw UserError("--memory-budget: give auto or a size such as 300M");
  if (o.max_tokens <= 0) throw UserError("--max-tokens must be positive");
  if (o.token_delay_ms < 0) throw UserError("--token-delay-ms must not be negative");
  if (!o.budget.empty() && !o.subnet.empty()) throw UserError("give either --subnet or --memory-budget, not both");
  if (o.watch && !o.switch_at.empty()) throw UserError("give either --watch-memory or --switch-at, not both");
  if (o.watch && o.budget.empty() && o.subnet.empty()) o.budget = "auto";
  if (o.max_latency_ms != 0.0 && o.device.empty())
    throw UserError("--max-latency-ms needs --device D.json: a profile of this machine (elastiq device probe)");
  if (o.max_latency_ms < 0.0) throw UserError("--max-latency-ms must be positive milliseconds");
  if (o.max_latency_ms > 0.0 && !o.subnet.empty())
    throw UserError("give either --subnet or --max-latency-ms, not both");
  if (o.watch && !o.budget.empty() && o.budget != "auto") {
    throw UserError(
        "--watch-memory follows what the process can spare: use --memory-budget auto (with --memory-fraction), not a "
        "fixed size");
  }
  o.watch_options.fraction = o.fraction;
}

// The prompt as ids: --prompt-ids as given, or --prompt through the file's tokenizer after BOS, with
// a decoder that prints the text of the tokens to come (null for --prompt-ids: ids are printed).
struct Prompt {
  std::vector<int> ids;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<IncrementalDecoder> decoder;
};

Prompt ReadPrompt(const RunOptions& o, bool ids_given, const WeightStore& store, int context) {
  Prompt p;
  if (ids_given) {
    p.ids = ParseTokenIds(o.prompt_ids, store.config().vocab_size, "--prompt-ids");
    if (p.ids.empty()) throw UserError("--prompt-ids: give at least one token id (1 is BOS)");
  } else {
    if (!store.file().h5().Exists("/tokenizer")) {
      throw UserError(
          o.palette +
          ": holds no tokenizer; pass --prompt-ids (e.g. 1 for BOS), or embed one with `elastiq init --tokenizer`");
    }
    p.tokenizer = std::make_unique<Tokenizer>(EmbeddedTokenizer(store.file()));
    p.ids = p.tokenizer->Encode(o.prompt);
    p.ids.insert(p.ids.begin(), kBosId);
    p.decoder = std::make_unique<IncrementalDecoder>(*p.tokenizer, std::vector<int>(p.ids.begin() + 1, p.ids.end()));
  }
  if (static_cast<int>(p.ids.size()) >= context) {
    throw UserError("the prompt is " + std::to_string(p.ids.size()) + " tokens, longer than the context (" +
                    std::to_string(context) + "); shorten it or raise --context");
  }
  return p;
}

// The selection table (DescribeSelection) for the session's entries and a budget.
std::string DescribeChoice(const Session& session, int64_t budget, const std::string& reason) {
  Selection s{budget, reason, session.entries(), BestFitting(session.entries(), budget)};
  for (EntryChoice& e : s.ranked) e.fits = e.footprint.total() <= budget;
  return DescribeSelection(s);
}

void LogSwitch(const SwitchRecord& r) { std::fprintf(stderr, "elastiq: switch at %s\n", r.Describe().c_str()); }

// The first entry: the best that fits --memory-budget (with the table of why), by name, the best within
// --max-latency-ms, or the largest.
void SelectFirstEntry(const RunOptions& o, WeightFormat format, const WeightStore& store, Session& session) {
  if (o.budget.empty() && o.max_latency_ms > 0.0) {
    std::fprintf(stderr, "%s",
                 DescribeChoice(session, INT64_MAX, "entries within --max-latency-ms, best first").c_str());
    LogSwitch(session.SelectByName(session.entries().front().name, "best within --max-latency-ms"));
    return;
  }
  if (o.budget.empty()) {
    LogSwitch(session.SelectByName(store.file().EntryOrLargest(o.subnet).spec.name));
    return;
  }
  std::string reason;
  const int64_t budget = ResolveBudget({.budget = o.budget, .fraction = o.fraction}, ProbeMemory(), &reason);
  if (BestFitting(session.entries(), budget) < 0)
    throw NothingFits(session.entries(), budget, reason, format, session.context());
  std::fprintf(stderr, "%s", DescribeChoice(session, budget, reason).c_str());
  LogSwitch(session.SelectByBudget(budget, "memory budget " + FormatBytes(budget)));
}

// What watches the run for switches: the memory (--watch-memory), a script (--switch-at), or nothing;
// with --max-latency-ms, guarded by the measured decode steps (latency_guard.h).
std::unique_ptr<SwitchAdvisor> MakeAdvisor(const RunOptions& o, const Session& session) {
  std::unique_ptr<SwitchAdvisor> advisor;
  if (o.watch) {
    advisor = std::make_unique<MemoryWatch>([] { return ProbeMemory(); }, o.watch_options);
  } else if (!o.switch_at.empty()) {
    advisor = std::make_unique<ScriptedSwitches>(o.switch_at, session);
  }
  if (o.max_latency_ms > 0.0) return std::make_unique<LatencyGuard>(o.max_latency_ms, std::move(advisor));
  return advisor;
}

// Prints each token as it comes (text through the decoder, or ids), sleeping --token-delay-ms after it.
GenerateCallbacks PrintingCallbacks(const RunOptions& o, IncrementalDecoder* decoder) {
  GenerateCallbacks callbacks;
  callbacks.on_token = [&o, decoder](int token) {
    if (decoder) {
      std::cout << decoder->Push(token) << std::flush;
    } else {
      std::cout << " " << token << std::flush;
    }
    if (o.token_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(o.token_delay_ms));
  };
  callbacks.on_switch = LogSwitch;
  return callbacks;
}

void PrintPrompt(const Prompt& p) {
  if (p.decoder) {
    std::cout << p.decoder->prompt_text() << std::flush;
  } else {
    for (int id : p.ids) std::cout << id << " ";
    std::cout << "|" << std::flush;
  }
}

// Predicted beside measured for the entry that ran last (its prompt prefill from position 0, in the
// session's chunks; decode at the context reached).
void PrintPrediction(const DeviceProfile& device, const WeightStore& store, const Session& session, const RunOptions& o,
                     size_t prompt_tokens, double prefill_ms, const GenerateResult& g) {
  const LatencyQuery q{session.engine().format(), session.engine().kv_cache_format(),
                       static_cast<int>(session.tokens().size()), static_cast<int>(prompt_tokens), o.prefill_chunk};
  const LatencyPrediction p = PredictLatency(device, store.config(), session.engine().spec(), q);
  std::fprintf(stderr,
               "predicted on %s: prompt %.1f ms (measured %.1f), decode %.3f ms/token at %d tokens (measured %.3f on "
               "average%s; the first tokens also page the weights in)\n",
               o.device.c_str(), 1e3 * p.prefill_seconds, prefill_ms, 1e3 * p.decode_seconds, q.keys,
               1e3 * g.seconds / std::max(1, g.generated), g.switches > 0 ? ", over switches" : "");
}

void PrintRunSummary(const RunOptions& o, Session& session, size_t prompt_tokens, double prefill_ms,
                     const GenerateResult& g, int64_t rss_before_model) {
  std::fprintf(stderr,
               "[%s %s, KV cache %s, %s, %d threads] prompt %zu tokens in %.1f ms; %d tokens at %.1f tokens/s; %d "
               "switches; VmRSS %s (%s before the first entry; predicted footprint %s)\n",
               session.current_entry().name.c_str(), o.format.c_str(), o.kv_cache.c_str(), session.engine().isa_name(),
               session.engine().threads(), prompt_tokens, prefill_ms, g.generated,
               g.generated / std::max(g.seconds, 1e-9), g.switches, FormatBytes(ReadProcessRss()).c_str(),
               FormatBytes(rss_before_model).c_str(), FormatBytes(session.current_entry().footprint.total()).c_str());
  if (g.switches > 0) {
    for (const GiveBackRecord& r : session.GiveBacks()) std::fprintf(stderr, "elastiq: %s\n", r.Describe().c_str());
  }
}

}  // namespace

int RunRun(const Args& args) {
  RunOptions o;
  const std::optional<po::variables_map> vm = ParseOptions("run options", kRunUsage, args, o, AddRunOptions);
  if (!vm) return 0;
  const WeightFormat format = ParseWeightFormat(o.format);
  const KvCacheFormat kv_cache = ParseKvCacheFormat(o.kv_cache);
  CheckRunOptions(o, vm->count("memory-budget") > 0);
  auto store = WeightStore::Open(o.palette);
  std::optional<DeviceProfile> device;
  if (!o.device.empty()) {
    device = LoadDeviceProfile(o.device);
    RequireProfileMatches(*device, o.device, IsaName(SelectIsa()), ThreadPool::ResolveSize(o.threads));
  }
  Session session(*store, {.format = format,
                           .kv_cache = kv_cache,
                           .threads = o.threads,
                           .context = o.context,
                           .prefill_chunk = o.prefill_chunk,
                           .device = device ? &*device : nullptr,
                           .max_latency_ms = o.max_latency_ms});
  const Prompt prompt = ReadPrompt(o, vm->count("prompt-ids") > 0, *store, session.context());
  const std::unique_ptr<SwitchAdvisor> advisor = MakeAdvisor(o, session);
  std::vector<SwitchAdvisor*> advisors;
  if (advisor) advisors.push_back(advisor.get());
  const int64_t rss_before_model = ReadProcessRss();
  SelectFirstEntry(o, format, *store, session);

  PrintPrompt(prompt);
  const auto start = std::chrono::steady_clock::now();
  session.Append(prompt.ids);
  const double prefill_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  Sampler sampler(o.sampler);
  const GenerateResult g =
      Generate(session, sampler, o.max_tokens, advisors, PrintingCallbacks(o, prompt.decoder.get()));
  std::cout << "\n";
  PrintRunSummary(o, session, prompt.ids.size(), prefill_ms, g, rss_before_model);
  if (device) PrintPrediction(*device, *store, session, o, prompt.ids.size(), prefill_ms, g);
  return 0;
}

}  // namespace elastiq
