// Budget resolution, quality ranking and the fit test.
#include "src/runtime/selection.h"

#include <algorithm>
#include <climits>
#include <cstdio>

#include "src/core/error.h"
#include "src/kernels/packed_layout.h"

namespace elastiq {
namespace {

EntryChoice Rank(const ModelConfig& c, const PaletteEntry& e) {
  EntryChoice choice;
  choice.name = e.spec.name;
  if (e.metrics.contains("val_perplexity") && e.metrics["val_perplexity"].is_number()) {
    choice.quality_metric = "val_perplexity";
  } else if (e.metrics.contains("val_accuracy") && e.metrics["val_accuracy"].is_number()) {
    choice.quality_metric = "val_accuracy";
  } else {
    choice.quality_metric = "params";
    choice.quality = static_cast<double>(CountParams(c, e.spec).total());
    return choice;
  }
  choice.quality = e.metrics[choice.quality_metric].get<double>();
  return choice;
}

// True when a is better than b.
bool Better(const EntryChoice& a, const EntryChoice& b) {
  auto key = [](const EntryChoice& e) {
    // Measured metrics outrank the parameter-count fallback; then the metric's direction.
    const int measured = e.quality_metric == "params" ? 0 : 1;
    const double value = e.quality_metric == "val_perplexity" ? -e.quality : e.quality;
    return std::make_pair(measured, value);
  };
  return key(a) > key(b);
}

}  // namespace

int64_t ResolveBudget(const SelectionRequest& r, const MemoryProbe& probe, std::string* reason) {
  if (r.budget != "auto") {
    *reason = "--memory-budget " + r.budget;
    return ParseByteSize(r.budget, "--memory-budget");
  }
  if (!(r.fraction > 0.0 && r.fraction <= 1.0)) throw UserError("--memory-fraction must be in (0, 1]");
  const int64_t spare = probe.spare_bytes();
  if (spare < 0) {
    throw UserError("--memory-budget auto: cannot tell how much memory is free (" + probe.Describe() +
                    "); pass a size such as --memory-budget 300M");
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "auto: %.0f%% of the %s this process can spare", 100.0 * r.fraction,
                FormatBytes(spare).c_str());
  *reason = std::string(buf) + " (" + probe.Describe() + ")";
  return static_cast<int64_t>(static_cast<double>(spare) * r.fraction);
}

bool RunnableIn(const ModelConfig& c, const SubnetSpec& s, WeightFormat format) {
  if (format == WeightFormat::kF32) return true;
  const auto multiple = [](int64_t width) { return width % kPanel == 0; };
  return multiple(s.d_model) && multiple(int64_t{s.n_heads(c)} * c.head_dim()) &&
         std::all_of(s.ffn_dim.begin(), s.ffn_dim.end(), multiple);
}

int ResolveContext(const ModelConfig& c, int context) {
  if (context < 0)
    throw UserError("--context must be >= 0 (0: the model's max_seq_len), got " + std::to_string(context));
  const int resolved = context > 0 ? context : c.max_seq_len;
  if (resolved > c.max_seq_len) {
    throw UserError("--context " + std::to_string(resolved) + " is longer than the model supports (max_seq_len " +
                    std::to_string(c.max_seq_len) + ")");
  }
  return resolved;
}

std::vector<EntryChoice> RankEntries(const ModelFile& file, WeightFormat format, KvCacheFormat kv_cache, int context,
                                     int threads, int prefill_tokens) {
  const ModelConfig& c = file.config();
  const std::string name = WeightFormatName(format);
  RequireWeightFormat(file, format);
  std::vector<EntryChoice> ranked;
  for (const PaletteEntry& e : file.palette()) {
    if (!RunnableIn(c, e.spec, format)) continue;
    EntryChoice choice = Rank(c, e);
    choice.footprint = EstimateFootprint(c, e.spec, format, kv_cache, context, threads, prefill_tokens);
    ranked.push_back(choice);
  }
  if (ranked.empty()) {
    throw UserError(
        file.path() + ": no palette entry can run in " + name +
        " (quantized formats need widths that are multiples of 32); use --format fp32 or a palette made for " + name);
  }
  std::stable_sort(ranked.begin(), ranked.end(), Better);
  return ranked;
}

int BestFitting(const std::vector<EntryChoice>& ranked, int64_t budget) {
  for (size_t i = 0; i < ranked.size(); ++i) {
    if (ranked[i].footprint.total() <= budget) return static_cast<int>(i);
  }
  return -1;
}

UserError NothingFits(const std::vector<EntryChoice>& ranked, int64_t budget, const std::string& budget_reason,
                      WeightFormat format, int context) {
  const EntryChoice& smallest = *std::min_element(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.footprint.total() < b.footprint.total();
  });
  return UserError("memory budget " + FormatBytes(budget) + " (" + budget_reason +
                   ") is smaller than the smallest entry, \"" + smallest.name + "\", which needs " +
                   FormatBytes(smallest.footprint.total()) + " in " + WeightFormatName(format) + " with a " +
                   std::to_string(context) +
                   "-token context; raise the budget, shorten --context or use a smaller --format");
}

Selection SelectEntry(const ModelFile& file, const SelectionRequest& r, const MemoryProbe& probe) {
  const int context = ResolveContext(file.config(), r.context);
  Selection s;
  s.budget = ResolveBudget(r, probe, &s.budget_reason);
  s.ranked =
      RankEntries(file, r.format, r.kv_cache, context, r.threads, r.prefill_tokens > 0 ? r.prefill_tokens : context);
  for (EntryChoice& e : s.ranked) e.fits = e.footprint.total() <= s.budget;
  s.chosen = BestFitting(s.ranked, s.budget);
  if (s.chosen < 0) throw NothingFits(s.ranked, s.budget, s.budget_reason, r.format, context);
  return s;
}

std::string DescribeSelection(const Selection& s) {
  std::string out = s.budget == INT64_MAX ? "no memory budget (" + s.budget_reason + ")\n"
                                          : "memory budget " + FormatBytes(s.budget) + " (" + s.budget_reason + ")\n";
  for (size_t i = 0; i < s.ranked.size(); ++i) {
    const EntryChoice& e = s.ranked[i];
    char line[320];
    char latency[48] = "";
    if (e.predicted_decode_ms >= 0)
      std::snprintf(latency, sizeof latency, "  predicted %.2f ms/token", e.predicted_decode_ms);
    std::snprintf(line, sizeof line, "  %s %-14s footprint %10s (weights %s, KV %s, scratch %s)  %s %.4g%s%s\n",
                  static_cast<int>(i) == s.chosen ? "->" : "  ", e.name.c_str(),
                  FormatBytes(e.footprint.total()).c_str(), FormatBytes(e.footprint.weights).c_str(),
                  FormatBytes(e.footprint.kv_cache).c_str(), FormatBytes(e.footprint.scratch).c_str(),
                  e.quality_metric.c_str(), e.quality, latency, e.fits ? "" : "  (does not fit)");
    out += line;
  }
  return out;
}

}  // namespace elastiq
