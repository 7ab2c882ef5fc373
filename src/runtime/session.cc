// Session: entry choice, chunked feeding, and switching with re-prefill and page give-back.
#include "src/runtime/session.h"

#include <cstdio>
#include <system_error>

#include "src/core/error.h"
#include "src/runtime/device_plan.h"

namespace elastiq {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

}  // namespace

std::string SwitchRecord::Describe() const {
  auto rss = [](int64_t bytes) { return bytes < 0 ? std::string("?") : FormatBytes(bytes); };
  char line[512];
  std::snprintf(line, sizeof line,
                "%.3f s: %s -> %s (%s): switch %.2f ms + re-prefill %.2f ms (%d tokens), VmRSS %s -> %s", at_s,
                from.empty() ? "(none)" : from.c_str(), to.c_str(), reason.c_str(), switch_ms, reprefill_ms,
                context_tokens, rss(rss_before).c_str(), rss(rss_after).c_str());
  return line;
}

std::string GiveBackRecord::Describe() const {
  char line[256];
  std::snprintf(line, sizeof line,
                "pages %s does not read given back in the background: %s advised, unmapped in %.2f ms, "
                "dropped from the page cache in %.2f ms, VmRSS then %s",
                entry.c_str(), FormatBytes(advised_bytes).c_str(), unmap_ms, cache_drop_ms,
                rss_after < 0 ? "?" : FormatBytes(rss_after).c_str());
  return line;
}

Session::Session(const WeightStore& store, const SessionOptions& options)
    : store_(store), options_(options), start_(Clock::now()) {
  if (options_.prefill_chunk <= 0) throw UserError("the prefill chunk must be at least one token");
  context_ = ResolveContext(store.config(), options.context);
  pool_ = std::make_unique<ThreadPool>(options.threads);
  entries_ = RankEntries(store.file(), options.format, options.kv_cache, context_, pool_->size(),
                         std::min(options_.prefill_chunk, context_));
  if (options_.device) {
    ApplyLatencyBound(entries_, *options_.device, store.file(), options_.format, options_.kv_cache, context_,
                      options_.max_latency_ms);
  }
}

Session::~Session() { FinishGiveBack(); }

const EntryChoice& Session::current_entry() const {
  ELASTIQ_ASSERT(current_ >= 0, "no entry selected yet");
  return entries_[static_cast<size_t>(current_)];
}

const Engine& Session::engine() const {
  ELASTIQ_ASSERT(engine_ != nullptr, "no entry selected yet");
  return *engine_;
}

double Session::seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

SwitchRecord Session::SelectByName(const std::string& name, const std::string& reason) {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].name == name) return SwitchTo(static_cast<int>(i), reason);
  }
  store_.file().Entry(name);  // UserError listing the entries when there is none of that name
  throw UserError(store_.file().path() + ": entry \"" + name + "\" cannot run in " + WeightFormatName(options_.format) +
                  " (quantized formats need widths that are multiples of 32); pick another entry or --format fp32");
}

SwitchRecord Session::SelectByBudget(int64_t budget, const std::string& reason) {
  const int best = BestFitting(entries_, budget);
  if (best < 0) throw NothingFits(entries_, budget, reason, options_.format, context_);
  return SwitchTo(best, reason);
}

SwitchRecord Session::SwitchTo(int index, const std::string& reason) {
  ELASTIQ_ASSERT(index >= 0 && index < static_cast<int>(entries_.size()), "entry index out of range");
  SwitchRecord r;
  r.at_s = seconds();
  r.from = current_ >= 0 ? current_entry().name : "";
  r.to = entries_[static_cast<size_t>(index)].name;
  r.reason = reason;
  if (index == current_) return r;
  FinishGiveBack();  // one still running would unmap pages the new entry is about to read
  r.rss_before = ReadProcessRss();
  const bool growing =
      current_ < 0 || entries_[static_cast<size_t>(index)].footprint.weights > current_entry().footprint.weights;
  const auto start = Clock::now();
  engine_.reset();  // free the old KV cache and scratch first: the peak is the larger engine, not both
  const PaletteEntry& entry = store_.file().Entry(r.to);
  engine_ = std::make_unique<Engine>(store_, entry.spec,
                                     EngineOptions{.threads = 0,
                                                   .context = context_,
                                                   .format = options_.format,
                                                   .kv_cache = options_.kv_cache,
                                                   .pool = pool_.get()});
  current_ = index;
  tokens_at_last_switch_ = static_cast<int>(tokens_.size());
  if (growing) {
    for (const TensorUse& use : engine_->tensor_uses()) store_.Prefetch(use);
  }
  r.switch_ms = MsSince(start);
  logits_ = {};
  r.context_tokens = static_cast<int>(tokens_.size());
  if (!tokens_.empty()) {
    const auto feed = Clock::now();
    logits_ = FeedChunks(tokens_);
    r.reprefill_ms = MsSince(feed);
  }
  // Give back what the new entry does not read once the context is fed (now, or after the first
  // Append): then the pages the re-prefill faulted in fresh (the row sums of another panel when
  // shrinking; more of every panel when growing) are in place, and the cached neighbours the
  // kernel mapped along with them (fault-around) go too.
  if (options_.give_back_pages) {
    if (tokens_.empty()) {
      trim_after_feed_ = true;
    } else {
      StartGiveBack();
    }
  }
  r.rss_after = ReadProcessRss();
  return r;
}

std::span<const float> Session::Append(std::span<const int> tokens) {
  if (!engine_) throw UserError("select a palette entry before feeding tokens");
  if (tokens.empty()) throw UserError("nothing to feed: the token list is empty");
  if (tokens_.size() + tokens.size() > static_cast<size_t>(context_)) {
    throw UserError("the context is full (" + std::to_string(context_) +
                    " tokens); start over or use a longer --context");
  }
  for (int id : tokens) {
    if (id < 0 || id >= store_.config().vocab_size) {
      throw UserError("token id " + std::to_string(id) + " is outside the vocabulary (0.." +
                      std::to_string(store_.config().vocab_size - 1) + ")");
    }
  }
  const Clock::time_point fed = Clock::now();
  logits_ = FeedChunks(tokens);
  last_append_seconds_ = MsSince(fed) / 1e3;
  tokens_.insert(tokens_.end(), tokens.begin(), tokens.end());
  if (trim_after_feed_) {
    trim_after_feed_ = false;
    StartGiveBack();
  }
  return logits_;
}

std::span<const float> Session::FeedChunks(std::span<const int> tokens) {
  std::span<const float> logits;
  for (size_t i = 0; i < tokens.size(); i += static_cast<size_t>(options_.prefill_chunk)) {
    logits = engine_->Feed(tokens.subspan(i, std::min(tokens.size() - i, static_cast<size_t>(options_.prefill_chunk))));
  }
  return logits;
}

void Session::StartGiveBack() {
  FinishGiveBack();
  auto give_back = [&store = store_, uses = engine_->tensor_uses(), entry = current_entry().name] {
    GiveBackRecord g;
    g.entry = entry;
    const auto unmap = Clock::now();
    g.advised_bytes = store.KeepOnly(uses);
    g.unmap_ms = MsSince(unmap);
    g.rss_after = ReadProcessRss();
    const auto drop = Clock::now();
    store.DropUnmappedFromCache();
    g.cache_drop_ms = MsSince(drop);
    return g;
  };
  try {
    give_back_ = std::async(std::launch::async, give_back);
  } catch (const std::system_error&) {  // no thread to be had: give back now instead
    give_backs_.push_back(give_back());
  }
}

void Session::FinishGiveBack() {
  if (give_back_.valid()) give_backs_.push_back(give_back_.get());
}

const std::vector<GiveBackRecord>& Session::GiveBacks() {
  FinishGiveBack();
  return give_backs_;
}

}  // namespace elastiq
