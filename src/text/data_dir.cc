// Reading and writing prepared data folders.
#include "src/text/data_dir.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/core/atomic_file.h"
#include "src/core/error.h"

namespace elastiq {

std::vector<std::string> DataDir::class_names() const { return manifest.value("classes", std::vector<std::string>{}); }

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
  DataDir d{path, nlohmann::json::parse(ReadFileBytes(manifest), nullptr, false)};
  if (d.manifest.is_discarded() || !d.manifest.is_object() || !d.manifest.contains("kind")) {
    throw UserError(manifest + ": not a valid manifest; re-run `elastiq data prepare`");
  }
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
