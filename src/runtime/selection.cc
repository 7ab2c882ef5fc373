// Budget resolution, quality ranking and the fit test.
#include "src/runtime/selection.h"

#include <algorithm>
#include <cstdio>

#include "src/core/error.h"

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
  std::snprintf(buf, sizeof buf, "auto: %.0f%% of the %s this process can spare", 100.0 * r.fraction, FormatBytes(spare).c_str());
  *reason = std::string(buf) + " (" + probe.Describe() + ")";
  return static_cast<int64_t>(static_cast<double>(spare) * r.fraction);
}

}  // namespace

Selection SelectEntry(const ModelFile& file, const SelectionRequest& r, const MemoryProbe& probe) {
  const ModelConfig& c = file.config();
  const int context = r.context > 0 ? r.context : c.max_seq_len;
  if (context > c.max_seq_len) {
    throw UserError("--context " + std::to_string(context) + " is longer than the model supports (max_seq_len " +
                    std::to_string(c.max_seq_len) + ")");
  }
  Selection s;
  s.budget = ResolveBudget(r, probe, &s.budget_reason);
  for (const PaletteEntry& e : file.palette()) {
    EntryChoice choice = Rank(c, e);
    choice.footprint = EstimateFootprint(c, e.spec, r.format, context, r.threads, r.prefill_tokens > 0 ? r.prefill_tokens : context);
    choice.fits = choice.footprint.total() <= s.budget;
    s.ranked.push_back(choice);
  }
  std::stable_sort(s.ranked.begin(), s.ranked.end(), Better);
  for (size_t i = 0; i < s.ranked.size(); ++i) {
    if (s.ranked[i].fits) {
      s.chosen = static_cast<int>(i);
      return s;
    }
  }
  const EntryChoice& smallest = *std::min_element(s.ranked.begin(), s.ranked.end(), [](const auto& a, const auto& b) {
    return a.footprint.total() < b.footprint.total();
  });
  throw UserError("memory budget " + FormatBytes(s.budget) + " (" + s.budget_reason + ") is smaller than the smallest entry, \"" +
                  smallest.name + "\", which needs " + FormatBytes(smallest.footprint.total()) + " in " +
                  WeightFormatName(r.format) + " with a " + std::to_string(context) +
                  "-token context; raise the budget, shorten --context or use a smaller --format");
}

std::string DescribeSelection(const Selection& s) {
  std::string out = "memory budget " + FormatBytes(s.budget) + " (" + s.budget_reason + ")\n";
  for (size_t i = 0; i < s.ranked.size(); ++i) {
    const EntryChoice& e = s.ranked[i];
    char line[256];
    std::snprintf(line, sizeof line, "  %s %-14s footprint %10s (weights %s, KV %s, scratch %s)  %s %.4g%s\n",
                  static_cast<int>(i) == s.chosen ? "->" : "  ", e.name.c_str(), FormatBytes(e.footprint.total()).c_str(),
                  FormatBytes(e.footprint.weights).c_str(), FormatBytes(e.footprint.kv_cache).c_str(),
                  FormatBytes(e.footprint.scratch).c_str(), e.quality_metric.c_str(), e.quality,
                  e.fits ? "" : "  (does not fit)");
    out += line;
  }
  return out;
}

}  // namespace elastiq
