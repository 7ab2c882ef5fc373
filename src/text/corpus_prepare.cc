// Data preparation: load, de-duplicate ids, split by hash, check classes, write splits and manifest.
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
namespace {

// The sources behind the names: "all" is every plain-text corpus.
std::vector<std::string> ExpandCorpora(const std::vector<std::string>& corpora) {
  std::vector<std::string> sources;
  for (const std::string& c : corpora) {
    if (c != "all") {
      sources.push_back(c);
      continue;
    }
    for (const NamedCorpus& n : NamedCorpora()) {
      if (!n.labelled) sources.push_back(n.name);
    }
  }
  return sources;
}

void CheckOptions(const PrepareOptions& o) {
  if (!o.corpora.empty() && !o.labelled.empty()) {
    throw UserError(
        "--labelled cannot be combined with --corpus; prepare labelled examples and plain text into separate folders");
  }
  if (o.corpora.empty() && o.labelled.empty()) {
    throw UserError("give --corpus NAME|PATH... (plain text) or --labelled FILE... (labelled examples)");
  }
  if (o.out_dir.empty()) throw UserError("--out: give the folder to write the prepared data to");
}

struct Inputs {
  std::string flag;  // --corpus or --labelled, for messages
  std::vector<std::string> sources;
  std::vector<Document> docs;
  bool labelled = false;
};

std::vector<Document> LoadSource(const std::string& source, const PrepareOptions& o, SkippedRows& skipped,
                                 int& labelled_corpora) {
  if (!o.labelled.empty()) return LoadUserLabelled(source, o.columns, skipped);
  if (const NamedCorpus* named = FindNamedCorpus(source)) {
    labelled_corpora += named->labelled;
    return LoadNamedCorpus(*named, o.cache_dir.empty() ? DefaultCacheDir() : o.cache_dir);
  }
  return LoadUserText(source, skipped);
}

// Every source read and checked: none empty, labelled corpora not mixed with text, ids unique.
Inputs LoadInputs(const PrepareOptions& o, SkippedRows& skipped) {
  Inputs in;
  in.flag = o.labelled.empty() ? "--corpus" : "--labelled";
  in.sources = o.labelled.empty() ? ExpandCorpora(o.corpora) : o.labelled;
  int labelled_corpora = 0;
  for (const std::string& s : in.sources) {
    std::vector<Document> loaded = LoadSource(s, o, skipped, labelled_corpora);
    if (loaded.empty()) {
      const std::string what = o.labelled.empty() ? "text (empty corpus)" : "labelled examples";
      const std::string why = skipped.total() > 0 ? " (rows skipped so far: " + skipped.Summary() + ")" : "";
      throw UserError(s + ": holds no " + what + why + "; check the path or files");
    }
    in.docs.insert(in.docs.end(), loaded.begin(), loaded.end());
  }
  if (labelled_corpora > 0 && labelled_corpora != static_cast<int>(in.sources.size())) {
    throw UserError(
        "--corpus: a labelled corpus (spam) cannot be mixed with plain text; prepare it into its own folder");
  }
  in.labelled = !o.labelled.empty() || labelled_corpora > 0;
  std::set<std::string> seen;
  for (const Document& d : in.docs) {
    if (!seen.insert(d.id).second) throw UserError(in.flag + ": " + d.id + " is listed twice; name each source once");
  }
  return in;
}

SplitStats CountSplit(const std::string& name, const std::vector<Document>& part) {
  SplitStats stats{name};
  for (const Document& d : part) {
    stats.documents++;
    stats.bytes += static_cast<int64_t>(d.text.size());
    bool in_word = false;
    for (char ch : d.text) {
      bool space = ch == ' ' || ch == '\n' || ch == '\t';
      if (!space && !in_word) stats.words++;
      in_word = !space;
    }
  }
  return stats;
}

// The sorted classes of labelled examples; UserError unless there are two or more and every one
// has examples in the train split.
std::vector<std::string> CheckClasses(const std::vector<Document>& docs, const std::vector<std::string>& split) {
  std::map<std::string, int64_t> examples;
  std::map<std::string, std::string> first_id;
  std::set<std::string> in_train;
  for (size_t i = 0; i < docs.size(); ++i) {
    if (examples[docs[i].label]++ == 0) first_id[docs[i].label] = docs[i].id;
    if (split[i] == "train") in_train.insert(docs[i].label);
  }
  if (examples.size() < 2) {
    throw UserError("labelled data: every example has the label \"" + docs[0].label +
                    "\"; a classifier needs examples of at least two classes (check --label-column)");
  }
  std::vector<std::string> classes;
  for (const auto& [name, count] : examples) {
    if (!in_train.count(name)) {
      throw UserError("labelled data: class \"" + name + "\" has " + std::to_string(count) + " example(s) (first " +
                      first_id[name] +
                      "), none in the train split; add more examples of it, or lower --val-permille/--test-permille");
    }
    classes.push_back(name);
  }
  return classes;
}

nlohmann::json Manifest(const PrepareOptions& o, const std::vector<std::string>& sources, const PrepareResult& r) {
  nlohmann::json manifest = {{"kind", r.labelled ? "labelled" : "text"}, {"sources", sources}};
  if (r.labelled) manifest["classes"] = r.classes;
  if (!o.labelled.empty()) manifest["columns"] = {{"text", o.columns.text}, {"label", o.columns.label}};
  manifest["skipped_rows"] = r.skipped.counts;
  for (const SplitStats& s : r.stats) {
    manifest["splits"][s.split] = {{"documents", s.documents}, {"words", s.words}, {"bytes", s.bytes}};
  }
  return manifest;
}

// Written only once every input is read and checked; manifest.json last, so a folder with a
// manifest is complete.
void WriteDataDir(const std::string& out, const nlohmann::json& manifest,
                  const std::vector<std::vector<Document>>& parts, bool labelled) {
  std::filesystem::create_directories(out);
  DataDir dir{out, manifest};
  for (size_t k = 0; k < parts.size(); ++k) WriteSplit(dir.SplitPath(SplitNames()[k]), parts[k], labelled);
  WriteFileAtomically((std::filesystem::path(out) / "manifest.json").string(), manifest.dump(2) + "\n");
}

}  // namespace

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
  CheckOptions(options);
  PrepareResult result;
  result.skipped.strict = options.strict;
  const Inputs in = LoadInputs(options, result.skipped);
  const std::vector<std::string> split = AssignSplits(in.docs, options.val_permille, options.test_permille);
  std::vector<std::vector<Document>> parts;
  for (const std::string& name : SplitNames()) {
    parts.emplace_back();
    for (size_t i = 0; i < in.docs.size(); ++i) {
      if (split[i] == name) parts.back().push_back(in.docs[i]);
    }
    result.stats.push_back(CountSplit(name, parts.back()));
  }
  if (result.stats[0].documents == 0) throw UserError(in.flag + ": no documents landed in the train split (too few?)");
  result.labelled = in.labelled;
  if (in.labelled) result.classes = CheckClasses(in.docs, split);
  WriteDataDir(options.out_dir, Manifest(options, in.sources, result), parts, in.labelled);
  return result;
}

}  // namespace elastiq
