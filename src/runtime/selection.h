// Memory-aware choice of a palette entry: rank the entries by measured quality (validation
// perplexity, lower is better, or accuracy; parameter count when neither was measured) and take
// the best one whose predicted footprint fits the budget. The budget is a size, or `auto`: a
// fraction of what the device can spare now (src/runtime/memory_probe.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/core/error.h"
#include "src/format/model_file.h"
#include "src/runtime/footprint.h"
#include "src/runtime/memory_probe.h"

namespace elastiq {

// Default share of the spare memory `auto` may use: half leaves the other half to the rest of the
// system and to page cache; on a phone this is usually far below MobileLLM's "one app <= 10% of
// DRAM" ceiling already, since MemAvailable is a fraction of DRAM. Flag: --memory-fraction.
inline constexpr double kDefaultMemoryFraction = 0.5;

struct EntryChoice {
  std::string name;
  Footprint footprint;
  std::string quality_metric;  // "val_perplexity", "val_accuracy" or "params"
  double quality = 0.0;        // the metric's value
  bool fits = false;
  double predicted_decode_ms = -1.0;  // on a device profile at the context's end; -1 without one
};

struct Selection {
  int64_t budget = 0;
  std::string budget_reason;
  std::vector<EntryChoice> ranked;  // best quality first
  int chosen = -1;                  // index into ranked
  const EntryChoice& choice() const { return ranked[static_cast<size_t>(chosen)]; }
};

struct SelectionRequest {
  std::string budget = "auto";  // "auto" or a size ("300M")
  double fraction = kDefaultMemoryFraction;
  WeightFormat format = WeightFormat::kF32;
  KvCacheFormat kv_cache = KvCacheFormat::kF32;
  int context = 0;  // <= 0: the model's max_seq_len
  int threads = 1;
  int prefill_tokens = 0;  // <= 0: the context
};

// Quantized formats need input widths that are multiples of 32 (packed panels); fp32 runs anything.
bool RunnableIn(const ModelConfig& config, const SubnetSpec& spec, WeightFormat format);

// Every entry runnable in `format` with its quality and footprint, best quality first (`fits`
// unset). Quantized formats need input widths that are multiples of 32 (packed panels); entries
// that are not are left out. UserError when the file has no weights in `format` or no entry is left.
std::vector<EntryChoice> RankEntries(const ModelFile& file, WeightFormat format, KvCacheFormat kv_cache, int context,
                                     int threads, int prefill_tokens);
// Index of the best entry whose footprint fits `budget`, or -1.
int BestFitting(const std::vector<EntryChoice>& ranked, int64_t budget);
// The UserError for a budget below every entry, naming the smallest entry and its footprint.
UserError NothingFits(const std::vector<EntryChoice>& ranked, int64_t budget, const std::string& budget_reason,
                      WeightFormat format, int context);
// The context length a request means (<= 0: max_seq_len); UserError beyond max_seq_len.
int ResolveContext(const ModelConfig& config, int context);

// The budget in bytes: a size, or for "auto" fraction x the probe's spare memory; `reason` says which.
int64_t ResolveBudget(const SelectionRequest& request, const MemoryProbe& probe, std::string* reason);

// Resolves `auto` with the probe; UserError when no entry fits (naming the smallest footprint) or
// when `auto` cannot tell how much memory is free.
Selection SelectEntry(const ModelFile& file, const SelectionRequest& request, const MemoryProbe& probe);
std::string DescribeSelection(const Selection& selection);  // a few lines for the user

}  // namespace elastiq
