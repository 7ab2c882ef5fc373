// Split -> token ids (documents joined with EOS, or labelled examples), cached by content hash.
#include "src/text/tokenize_data.h"

#include <filesystem>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/hashing.h"
#include "src/text/token_ids.h"

namespace elastiq {

std::string EnsureTokenized(const DataDir& dir, const Tokenizer& tokenizer, const std::string& split) {
  CheckSplitName(split);
  const std::string content = ReadFileBytes(dir.SplitPath(split));
  const std::string key = HexDigest64(Fnv1a64(tokenizer.model_bytes()) ^ SplitMix64(Fnv1a64(content)));
  const std::filesystem::path out = std::filesystem::path(dir.path) / "tokens" / (split + "-" + key + ".h5");
  if (std::filesystem::exists(out)) return out.string();
  std::vector<Document> docs = ReadSplit(dir, split);
  if (docs.empty()) throw UserError(dir.SplitPath(split) + ": the " + split + " split is empty; prepare more data");
  if (dir.labelled()) {
    LabelledTokens data;
    data.vocab_size = tokenizer.vocab_size();
    data.class_names = dir.class_names();
    data.offsets.push_back(0);
    for (const Document& d : docs) {
      auto it = std::find(data.class_names.begin(), data.class_names.end(), d.label);
      if (it == data.class_names.end()) {
        throw UserError(dir.SplitPath(split) + ": label \"" + d.label + "\" is not in manifest.json's classes");
      }
      std::vector<int> ids = tokenizer.Encode(d.text);
      data.ids.insert(data.ids.end(), ids.begin(), ids.end());
      data.offsets.push_back(static_cast<int64_t>(data.ids.size()));
      data.labels.push_back(static_cast<int32_t>(it - data.class_names.begin()));
    }
    WriteLabelledTokens(out.string(), data);
  } else {
    TokenStream stream;
    stream.vocab_size = tokenizer.vocab_size();
    for (const Document& d : docs) {
      std::vector<int> ids = tokenizer.Encode(d.text);
      stream.ids.insert(stream.ids.end(), ids.begin(), ids.end());
      stream.ids.push_back(kEosId);
    }
    WriteTokenStream(out.string(), stream);
  }
  return out.string();
}

}  // namespace elastiq
