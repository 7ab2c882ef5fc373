// Test helpers.
#include "tests/common/test_util.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "src/core/error.h"
#include "src/format/file_seal.h"

namespace elastiq::testing {
namespace fs = std::filesystem;

ScratchDir::ScratchDir() {
  std::string templ = (fs::temp_directory_path() / "elastiq-test-XXXXXX").string();
  path_ = mkdtemp(templ.data());
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string SyntheticText(int sentences, uint64_t seed) {
  static const std::array<const char*, 24> kSubjects = {
      "the captain",    "a sailor",      "the old man",   "my friend",    "the whale",   "our ship",
      "the president",  "a young woman", "the committee", "every farmer", "the jury",    "this nation",
      "the crew",       "a stranger",    "the city",      "her brother",  "the teacher", "his mother",
      "the government", "a small boy",   "the army",      "the doctor",   "the writer",  "our people"};
  static const std::array<const char*, 24> kVerbs = {
      "saw",     "found",   "wanted",     "remembered", "described", "praised",    "followed",  "carried",
      "built",   "opened",  "discovered", "answered",   "watched",   "defended",   "announced", "forgot",
      "counted", "visited", "painted",    "reported",   "trusted",   "questioned", "measured",  "welcomed"};
  static const std::array<const char*, 24> kObjects = {
      "the harbor",      "a letter",     "the long road", "the new law",      "a quiet house", "the open sea",
      "the report",      "an old map",   "the evidence",  "a bright morning", "the budget",    "the garden",
      "a strange light", "the election", "the river",     "a broken oar",     "the mountains", "the treaty",
      "a warm fire",     "the market",   "the schools",   "the storm",        "a golden coin", "the future"};
  static const std::array<const char*, 12> kEnds = {"",
                                                    " yesterday",
                                                    " at night",
                                                    " with care",
                                                    " in the spring",
                                                    " before dawn",
                                                    " for many years",
                                                    " again",
                                                    " without a word",
                                                    " near the coast",
                                                    " after the war",
                                                    " in 1851"};
  std::mt19937_64 rng(seed);
  auto pick = [&](const auto& list) { return std::string(list[rng() % list.size()]); };
  std::string out;
  for (int i = 0; i < sentences; ++i) {
    std::string s = pick(kSubjects) + " " + pick(kVerbs) + " " + pick(kObjects) + pick(kEnds);
    if (rng() % 3 == 0) s += ", and " + pick(kSubjects) + " " + pick(kVerbs) + " " + pick(kObjects);
    s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    out += s + (rng() % 5 == 0 ? "?" : ".") + (i % 6 == 5 ? "\n" : " ");
  }
  return out;
}

void WriteText(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::vector<float> PrefixRows(const std::vector<float>& w, int64_t full_cols, int64_t rows, int64_t cols) {
  std::vector<float> out;
  for (int64_t r = 0; r < rows; ++r) out.insert(out.end(), w.begin() + r * full_cols, w.begin() + r * full_cols + cols);
  return out;
}

std::string UserErrorMessage(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

std::vector<int32_t> LearnableStream(size_t n, uint64_t seed) {
  std::mt19937 rng(seed);
  std::vector<int32_t> ids = {4};
  while (ids.size() < n)
    ids.push_back(rng() % 10 == 0 ? 4 + static_cast<int32_t>(rng() % 36) : (ids.back() * 7 + 3) % 36 + 4);
  return ids;
}

CommandResult RunCommand(const std::string& command_line) {
  ScratchDir dir;
  const std::string out_path = dir / "stdout", err_path = dir / "stderr";
  const std::string full = command_line + " >" + out_path + " 2>" + err_path + " </dev/null";
  int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

std::string ElastiqBinary() { return std::string(ELASTIQ_BINARY_DIR) + "/tools/elastiq"; }

std::string Elastiq(const std::string& args) { return ElastiqBinary() + " " + args; }

void PrepareTokenizedCorpus(const ScratchDir& dir, int docs, int sentences, int vocab_size) {
  for (int i = 0; i < docs; ++i)
    WriteText(dir / ("text/doc" + std::to_string(i) + ".txt"), SyntheticText(sentences, i));
  for (const std::string& args : {"data prepare --corpus " + (dir / "text") + " --out " + (dir / "data"),
                                  "tokenizer train --data " + (dir / "data") + " --vocab-size " +
                                      std::to_string(vocab_size) + " --out " + (dir / "tok.model")}) {
    const CommandResult r = RunCommand(Elastiq(args));
    if (r.exit_code != 0) throw std::runtime_error("elastiq " + args + " failed: " + r.err);
  }
}

bool HasTrainingHelper() { return fs::exists(std::string(ELASTIQ_BINARY_DIR) + "/tools/elastiq-train"); }
std::string ConfigPath(const std::string& name) {
  return std::string(ELASTIQ_SOURCE_DIR) + "/experiments/configs/" + name;
}

void EditSealed(const std::string& path, const std::function<void(H5File&)>& edit) {
  {
    H5File f = H5File::OpenReadWrite(path, path);
    edit(f);
  }
  Reseal(path);
}

void Reseal(const std::string& path) { SealFile(path, path); }

}  // namespace elastiq::testing
