// A prepared data folder (written by `elastiq data prepare`):
//   manifest.json                  kind ("text" | "labelled"), sources, classes, per-split stats,
//                                  skipped_rows (reason -> count), columns (--labelled input)
//   {train,val,test}.txt           text: documents separated by one empty line, no empty lines inside
//   {train,val,test}.tsv           labelled: "label<TAB>text" per line, text on one line
//   tokens-<tokenizer hash>/       token-id files made on demand (src/text/tokenize_data.h)
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "src/text/corpus_sources.h"

namespace elastiq {

inline const std::vector<std::string>& SplitNames() {
  static const std::vector<std::string> kSplits = {"train", "val", "test"};
  return kSplits;
}

struct DataDir {
  std::string path;
  nlohmann::json manifest;
  std::string manifest_path() const;
  bool labelled() const;
  std::vector<std::string> class_names() const;
  std::string SplitPath(const std::string& split) const;  // .txt or .tsv
};

// Opens and validates a prepared folder; UserError says to run `elastiq data prepare`.
DataDir OpenDataDir(const std::string& path);
void CheckSplitName(const std::string& split);

// Documents of one split (text folders), or examples (labelled folders: label in Document::label).
std::vector<Document> ReadSplit(const DataDir& dir, const std::string& split);
// Every non-empty line of the train split: the tokenizer's training text.
std::vector<std::string> ReadTrainingLines(const DataDir& dir);

void WriteSplit(const std::string& path, const std::vector<Document>& docs, bool labelled);

}  // namespace elastiq
