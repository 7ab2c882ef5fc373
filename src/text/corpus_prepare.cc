// Data preparation: load, de-duplicate ids, split by hash, write splits and manifest.
#include "src/text/corpus_prepare.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/hashing.h"
#include "src/text/data_dir.h"

namespace elastiq {

std::vector<std::string> AssignSplits(const std::vector<Document>& docs, int val_permille, int test_permille) {
  std::vector<std::string> split(docs.size(), "train");
  std::vector<uint64_t> bucket(docs.size());
  for (size_t i = 0; i < docs.size(); ++i) {
    bucket[i] = Fnv1a64(docs[i].id) % 1000;
    if (bucket[i] < static_cast<uint64_t>(val_permille)) {
      split[i] = "val";
    } else if (bucket[i] < static_cast<uint64_t>(val_permille + test_permille)) {
      split[i] = "test";
    }
  }
  if (docs.size() >= 3) {
    for (const char* needed : {"val", "test"}) {
      if (std::count(split.begin(), split.end(), needed) > 0) continue;
      // Move the train document with the smallest bucket (deterministic).
      size_t best = docs.size();
      for (size_t i = 0; i < docs.size(); ++i) {
        if (split[i] == "train" && (best == docs.size() || bucket[i] < bucket[best])) best = i;
      }
      if (best < docs.size() && std::count(split.begin(), split.end(), "train") > 1) split[best] = needed;
    }
  }
  return split;
}

std::string FormatStats(const SplitStats& s) {
  return s.split + ": " + std::to_string(s.documents) + " documents, " + std::to_string(s.words) + " words, " +
         std::to_string(s.bytes) + " bytes";
}

PrepareResult PrepareData(const PrepareOptions& options) {
  if (options.corpora.empty()) throw UserError("--corpus: name at least one corpus or path");
  if (options.out_dir.empty()) throw UserError("--out: give the folder to write the prepared data to");
  const std::string cache = options.cache_dir.empty() ? DefaultCacheDir() : options.cache_dir;
  std::vector<std::string> sources;
  for (const std::string& c : options.corpora) {
    if (c == "all") {
      for (const NamedCorpus& n : NamedCorpora()) {
        if (!n.labelled) sources.push_back(n.name);
      }
    } else {
      sources.push_back(c);
    }
  }
  std::vector<Document> docs;
  int labelled_sources = 0;
  for (const std::string& s : sources) {
    std::vector<Document> loaded;
    if (const NamedCorpus* named = FindNamedCorpus(s)) {
      loaded = LoadNamedCorpus(*named, cache);
      labelled_sources += named->labelled;
    } else {
      loaded = LoadUserText(s);
    }
    if (loaded.empty()) throw UserError(s + ": holds no text (empty corpus); check the path or files");
    docs.insert(docs.end(), loaded.begin(), loaded.end());
  }
  if (labelled_sources > 0 && labelled_sources != static_cast<int>(sources.size())) {
    throw UserError(
        "--corpus: a labelled corpus (spam) cannot be mixed with plain text; prepare it into its own folder");
  }
  std::set<std::string> seen;
  for (const Document& d : docs) {
    if (!seen.insert(d.id).second) throw UserError("--corpus: " + d.id + " is listed twice; name each source once");
  }
  const bool labelled = labelled_sources > 0;
  std::vector<std::string> split = AssignSplits(docs, options.val_permille, options.test_permille);

  PrepareResult result;
  result.labelled = labelled;
  nlohmann::json manifest = {{"kind", labelled ? "labelled" : "text"}, {"sources", sources}};
  if (labelled) {
    std::set<std::string> classes;
    for (const Document& d : docs) classes.insert(d.label);
    manifest["classes"] = std::vector<std::string>(classes.begin(), classes.end());
  }
  std::filesystem::create_directories(options.out_dir);
  DataDir dir{options.out_dir, manifest};
  for (const std::string& name : SplitNames()) {
    std::vector<Document> part;
    SplitStats stats{name};
    for (size_t i = 0; i < docs.size(); ++i) {
      if (split[i] != name) continue;
      part.push_back(docs[i]);
      stats.documents++;
      stats.bytes += static_cast<int64_t>(docs[i].text.size());
      bool in_word = false;
      for (char ch : docs[i].text) {
        bool space = ch == ' ' || ch == '\n' || ch == '\t';
        if (!space && !in_word) stats.words++;
        in_word = !space;
      }
    }
    WriteSplit(dir.SplitPath(name), part, labelled);
    manifest["splits"][name] = {{"documents", stats.documents}, {"words", stats.words}, {"bytes", stats.bytes}};
    result.stats.push_back(stats);
  }
  if (result.stats[0].documents == 0)
    throw UserError("--corpus: no documents landed in the train split (empty corpus?)");
  WriteFileAtomically((std::filesystem::path(options.out_dir) / "manifest.json").string(), manifest.dump(2) + "\n");
  return result;
}

}  // namespace elastiq
