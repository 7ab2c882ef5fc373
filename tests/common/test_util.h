// Shared test helpers: scratch folders, a synthetic English-like corpus, running the CLI.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "src/format/h5_file.h"

namespace elastiq::testing {

// A fresh empty folder under the system temp dir, removed when the object dies.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// `sentences` sentences from a small grammar (about 150 words), deterministic in `seed`.
std::string SyntheticText(int sentences, uint64_t seed);
void WriteText(const std::string& path, const std::string& text);
std::vector<std::string> Lines(const std::string& text);  // split at newlines (tokenizer training input)
// W[:rows, :cols] of a row-major matrix `full_cols` wide: the slice a subnet uses, written out here
// independently of the code under test.
std::vector<float> PrefixRows(const std::vector<float>& w, int64_t full_cols, int64_t rows, int64_t cols);
// n token ids over a 40-token vocabulary that a tiny model learns: a noisy cycle,
// token t+1 = (t * 7 + 3) % 36 + 4 nine times in ten.
std::vector<int32_t> LearnableStream(size_t n, uint64_t seed);

// The message of the UserError that `f` throws; "" when it throws none (other exceptions propagate).
std::string UserErrorMessage(const std::function<void()>& f);

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs a shell command line; captures stdout and stderr separately.
CommandResult RunCommand(const std::string& command_line);
std::string ElastiqBinary();                      // path to the built `elastiq`
std::string Elastiq(const std::string& args);     // the command line running `elastiq ARGS`
bool HasTrainingHelper();                         // elastiq-train was built (LibTorch side on)
std::string ConfigPath(const std::string& name);  // experiments/configs/<name>

// What the CLI tests train on, made by elastiq itself: `docs` files of SyntheticText(`sentences`) in
// dir/text, prepared into dir/data, and a SentencePiece model of `vocab_size` pieces, dir/tok.model.
// Throws with the failing command's stderr.
void PrepareTokenizedCorpus(const ScratchDir& dir, int docs, int sentences, int vocab_size);

// Edits a model file as someone crafting one would: the change, then a seal that matches it
// (src/format/file_seal.h), so a test reaches the checks behind the seal.
void EditSealed(const std::string& path, const std::function<void(H5File&)>& edit);
void Reseal(const std::string& path);  // after an edit through the raw HDF5 API

}  // namespace elastiq::testing
