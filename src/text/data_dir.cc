// Reading and writing prepared data folders.
#include "src/text/data_dir.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/json_fields.h"

namespace elastiq {

namespace {

// Type-checks every manifest field (elastiq reads kind and classes; the rest are statistics).
void CheckManifest(const DataDir& d, const std::string& source) {
  const std::string kind = RequireString(d.manifest, "kind", source);
  if (kind != "text" && kind != "labelled") {
    throw UserError(source + ": field \"kind\" must be \"text\" or \"labelled\", got " + DumpJson(kind) +
                    "; re-run `elastiq data prepare`");
  }
  d.class_names();
  OptionalStringList(d.manifest, "sources", source);
  const nlohmann::json splits = OptionalObject(d.manifest, "splits", source);
  for (const auto& [name, stats] : splits.items()) {
    const nlohmann::json split = OptionalObject(splits, name, source + " splits");
    for (const char* key : {"documents", "words", "bytes"}) OptionalInt64(split, key, source + " splits." + name, 0);
  }
  const nlohmann::json skipped = OptionalObject(d.manifest, "skipped_rows", source);
  for (const auto& [reason, count] : skipped.items()) OptionalInt64(skipped, reason, source + " skipped_rows", 0);
  const nlohmann::json columns = OptionalObject(d.manifest, "columns", source);
  for (const char* key : {"text", "label"}) OptionalString(columns, key, source + " columns", "");
}

}  // namespace

std::string DataDir::manifest_path() const { return (std::filesystem::path(path) / "manifest.json").string(); }

bool DataDir::labelled() const { return OptionalString(manifest, "kind", manifest_path(), "") == "labelled"; }

std::vector<std::string> DataDir::class_names() const {
  return OptionalStringList(manifest, "classes", manifest_path());
}

std::string DataDir::SplitPath(const std::string& split) const {
  return (std::filesystem::path(path) / (split + (labelled() ? ".tsv" : ".txt"))).string();
}

void CheckSplitName(const std::string& split) {
  for (const std::string& s : SplitNames()) {
    if (s == split) return;
  }
  throw UserError("--split must be train, val or test, got \"" + split + "\"");
}

DataDir OpenDataDir(const std::string& path) {
  const std::string manifest = (std::filesystem::path(path) / "manifest.json").string();
  if (!std::filesystem::is_directory(path)) {
    throw UserError(path + ": no such data folder; create one with `elastiq data prepare --out " + path + "`");
  }
  if (!std::filesystem::exists(manifest)) {
    throw UserError(path + ": has no manifest.json, so it is not a prepared data folder; run `elastiq data prepare`");
  }
  DataDir d{path, ParseJsonObject(ReadFileBytes(manifest), manifest, "; re-run `elastiq data prepare`")};
  CheckManifest(d, manifest);
  for (const std::string& s : SplitNames()) {
    if (!std::filesystem::exists(d.SplitPath(s))) {
      throw UserError(d.SplitPath(s) + ": missing; re-run `elastiq data prepare`");
    }
  }
  return d;
}

std::vector<Document> ReadSplit(const DataDir& dir, const std::string& split) {
  CheckSplitName(split);
  std::istringstream in(ReadFileBytes(dir.SplitPath(split)));
  std::vector<Document> docs;
  std::string line;
  int n = 0;
  if (dir.labelled()) {
    while (std::getline(in, line)) {
      size_t tab = line.find('\t');
      if (tab == std::string::npos) continue;
      docs.push_back({split + "#" + std::to_string(n++), line.substr(tab + 1), line.substr(0, tab)});
    }
    return docs;
  }
  Document current;
  auto flush = [&] {
    if (!current.text.empty()) {
      current.id = split + "#" + std::to_string(n++);
      docs.push_back(current);
    }
    current = Document{};
  };
  while (std::getline(in, line)) {
    if (line.empty()) {
      flush();
    } else {
      current.text += (current.text.empty() ? "" : "\n") + line;
    }
  }
  flush();
  return docs;
}

std::vector<std::string> ReadTrainingLines(const DataDir& dir) {
  std::vector<std::string> lines;
  for (const Document& d : ReadSplit(dir, "train")) {
    std::istringstream in(d.text);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) lines.push_back(line);
    }
  }
  return lines;
}

void WriteSplit(const std::string& path, const std::vector<Document>& docs, bool labelled) {
  std::string out;
  for (const Document& d : docs) {
    if (labelled) {
      ELASTIQ_ASSERT(d.text.find('\n') == std::string::npos && d.label.find_first_of("\t\n") == std::string::npos,
                     "labelled example " + d.id + " is not flattened to one line");
      out += d.label + "\t" + d.text + "\n";
    } else {
      out += d.text + "\n\n";
    }
  }
  WriteFileAtomically(path, out);
}

}  // namespace elastiq
