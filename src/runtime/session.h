// The C++ API an app uses for memory-aware generation: open a palette once (WeightStore), create a
// Session, choose an entry by name or by memory budget, feed tokens, and switch entries while
// running. A switch keeps the conversation: the context so far is re-prefilled with the new entry,
// in chunks so a long context needs no large scratch. All entries run from the one mapped copy.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "src/runtime/device_profile.h"
#include "src/runtime/engine.h"
#include "src/runtime/selection.h"

namespace elastiq {

struct SessionOptions {
  WeightFormat format = WeightFormat::kF32;
  KvCacheFormat kv_cache = KvCacheFormat::kF32;  // as EngineOptions
  int threads = 0;                               // <= 0: one per core
  int context = 0;                               // tokens; <= 0: the model's max_seq_len
  int prefill_chunk = 64;                        // tokens per forward pass when feeding many (bounds the scratch)
  bool give_back_pages = true;                   // release pages the active entry does not read (madvise)
  // A profile of this machine: entries carry their predicted decode latency, and with max_latency_ms
  // > 0 only entries predicted within it are kept (selection and switches never leave the bound).
  const DeviceProfile* device = nullptr;
  double max_latency_ms = 0.0;
};

// One change of entry, for the log: when, from where to where, why, and what it cost.
struct SwitchRecord {
  double at_s = 0.0;     // seconds since the session was created
  std::string from, to;  // from is empty for the first selection
  std::string reason;
  double switch_ms = 0.0;     // freeing the old engine, building the new one (+ prefetching its pages going up)
  double reprefill_ms = 0.0;  // feeding the context so far to the new entry
  int context_tokens = 0;     // tokens re-prefilled
  int64_t rss_before = -1, rss_after = -1;  // VmRSS around the switch (re-prefill included)
  std::string Describe() const;             // one line
};

// Pages the active entry does not read, given back after a switch (or the first feed) on a
// background thread: weights are clean file pages the kernel can always reclaim, so nothing waits
// for them, and the switch costs only the engine swap.
struct GiveBackRecord {
  std::string entry;             // the entry that was active
  int64_t advised_bytes = 0;     // unmapped ranges (pages that were not resident included)
  double unmap_ms = 0.0;         // MADV_DONTNEED over the ranges
  double cache_drop_ms = 0.0;    // POSIX_FADV_DONTNEED, so a memory cgroup stops charging them
  int64_t rss_after = -1;        // VmRSS right after the unmapping
  std::string Describe() const;  // one line
};

class Session {
 public:
  Session(const WeightStore& store, const SessionOptions& options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Entries runnable in the format, best quality first, with their footprints.
  const std::vector<EntryChoice>& entries() const { return entries_; }
  int current() const { return current_; }  // index into entries(); -1 before the first selection
  const EntryChoice& current_entry() const;
  int context() const { return context_; }
  const std::vector<int>& tokens() const { return tokens_; }  // the context fed so far
  int tokens_at_last_switch() const { return tokens_at_last_switch_; }
  const Engine& engine() const;
  double seconds() const;  // since the session was created

  // Select (first time) or switch to an entry; UserError for an unknown name.
  SwitchRecord SelectByName(const std::string& name, const std::string& reason = "chosen by name");
  // The best entry whose footprint fits `budget`; UserError naming the smallest footprint otherwise.
  SwitchRecord SelectByBudget(int64_t budget, const std::string& reason);
  SwitchRecord SwitchTo(int index, const std::string& reason);

  // Appends tokens to the context (in chunks) and returns the logits after the last one.
  std::span<const float> Append(std::span<const int> tokens);
  std::span<const float> last_logits() const { return logits_; }
  double last_append_seconds() const { return last_append_seconds_; }  // the last Append's forward passes
  // Every give-back so far, oldest first; waits for one still running.
  const std::vector<GiveBackRecord>& GiveBacks();

 private:
  std::span<const float> FeedChunks(std::span<const int> tokens);
  void StartGiveBack();   // every mapped page the current entry does not read, in the background
  void FinishGiveBack();  // waits for the running give-back, if any

  const WeightStore& store_;
  SessionOptions options_;
  int context_ = 0;
  std::unique_ptr<ThreadPool> pool_;
  std::vector<EntryChoice> entries_;
  int current_ = -1;
  std::unique_ptr<Engine> engine_;
  std::vector<int> tokens_;
  int tokens_at_last_switch_ = 0;
  bool trim_after_feed_ = false;  // pages were faulted in fresh: trim read-around neighbours once fed
  std::span<const float> logits_;
  double last_append_seconds_ = 0.0;
  std::chrono::steady_clock::time_point start_;
  std::future<GiveBackRecord> give_back_;   // the running give-back
  std::vector<GiveBackRecord> give_backs_;  // finished ones
};

}  // namespace elastiq
