// `elastiq data prepare`: gather documents from named corpora and/or user paths (or labelled
// examples from the user's .tsv/.csv/.jsonl files), split them train/val/test by a hash of each
// document's id (deterministic, and stable when sources are added), write the split files and a
// manifest with per-split statistics.
#pragma once

#include <string>
#include <vector>

#include "src/text/corpus_sources.h"

namespace elastiq {

struct PrepareOptions {
  std::vector<std::string> corpora;   // names (brown, sotu, moby-dick, spam, all) or paths
  std::vector<std::string> labelled;  // or: .tsv/.csv/.jsonl files or folders of labelled examples
  TableColumns columns;               // the text and label columns of `labelled`
  bool strict = false;                // a bad row is an error instead of being skipped and counted
  std::string out_dir;
  std::string cache_dir;  // empty: DefaultCacheDir()
  int val_permille = 50;  // 5% of documents
  int test_permille = 50;
};

struct SplitStats {
  std::string split;
  int64_t documents = 0, words = 0, bytes = 0;
};

struct PrepareResult {
  bool labelled = false;
  std::vector<SplitStats> stats;     // train, val, test
  std::vector<std::string> classes;  // labelled data: sorted
  SkippedRows skipped;               // rows of .tsv/.csv/.jsonl inputs that were left out
};

// Assigns each document to "train", "val" or "test"; never leaves val or test empty when there
// are at least three documents.
std::vector<std::string> AssignSplits(const std::vector<Document>& docs, int val_permille, int test_permille);
PrepareResult PrepareData(const PrepareOptions& options);
std::string FormatStats(const SplitStats& s);

}  // namespace elastiq
