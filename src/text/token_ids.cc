// Token-id files in HDF5, validated on read (ids inside the vocabulary, offsets monotone).
#include "src/text/token_ids.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/json_fields.h"
#include "src/format/h5_file.h"

namespace elastiq {
namespace {

void CheckIds(const std::vector<int32_t>& ids, int vocab_size, const std::string& path) {
  if (vocab_size <= 0) throw UserError(path + ": invalid vocab_size attribute");
  for (int32_t id : ids) {
    if (id < 0 || id >= vocab_size) {
      throw UserError(path + ": token id " + std::to_string(id) + " is outside the vocabulary (" +
                      std::to_string(vocab_size) + "); re-run the tokenization");
    }
  }
}

}  // namespace

void WriteTokenStream(const std::string& path, const TokenStream& stream) {
  AtomicFile atomic(path);
  {
    H5File f = H5File::Create(atomic.temp_path(), path);
    f.SetAttr("/", "kind", std::string("token_stream"));
    f.SetAttr("/", "vocab_size", int64_t{stream.vocab_size});
    f.WriteDataset("/ids", DType::kI32, {static_cast<int64_t>(stream.ids.size())}, stream.ids.data());
    f.CloseOrFail();
  }
  atomic.Commit();
}

TokenStream ReadTokenStream(const std::string& path) {
  H5File f = H5File::OpenReadOnly(path);
  if (f.GetStringAttr("/", "kind") != "token_stream") {
    throw UserError(path + ": not a token stream (is this a labelled data set? use an encoder config)");
  }
  TokenStream s;
  s.vocab_size = static_cast<int>(f.GetIntAttr("/", "vocab_size"));
  s.ids = f.Read<int32_t>("/ids", DType::kI32);
  CheckIds(s.ids, s.vocab_size, path);
  return s;
}

void WriteLabelledTokens(const std::string& path, const LabelledTokens& d) {
  ELASTIQ_ASSERT(d.offsets.size() == d.labels.size() + 1);
  AtomicFile atomic(path);
  {
    H5File f = H5File::Create(atomic.temp_path(), path);
    f.SetAttr("/", "kind", std::string("labelled_tokens"));
    f.SetAttr("/", "vocab_size", int64_t{d.vocab_size});
    f.SetAttr("/", "class_names", nlohmann::json(d.class_names).dump());
    f.WriteDataset("/ids", DType::kI32, {static_cast<int64_t>(d.ids.size())}, d.ids.data());
    f.WriteDataset("/offsets", DType::kI64, {static_cast<int64_t>(d.offsets.size())}, d.offsets.data());
    f.WriteDataset("/labels", DType::kI32, {static_cast<int64_t>(d.labels.size())}, d.labels.data());
    f.CloseOrFail();
  }
  atomic.Commit();
}

LabelledTokens ReadLabelledTokens(const std::string& path) {
  H5File f = H5File::OpenReadOnly(path);
  if (f.GetStringAttr("/", "kind") != "labelled_tokens") {
    throw UserError(path + ": not a labelled data set (is this plain text? use a decoder config)");
  }
  LabelledTokens d;
  d.vocab_size = static_cast<int>(f.GetIntAttr("/", "vocab_size"));
  const auto names = nlohmann::json::parse(f.GetStringAttr("/", "class_names"), nullptr, false);
  d.class_names = StringListValue(names, path + ": class_names");
  d.ids = f.Read<int32_t>("/ids", DType::kI32);
  d.offsets = f.Read<int64_t>("/offsets", DType::kI64);
  d.labels = f.Read<int32_t>("/labels", DType::kI32);
  CheckIds(d.ids, d.vocab_size, path);
  if (d.offsets.size() != d.labels.size() + 1 || d.offsets.front() != 0 ||
      d.offsets.back() != static_cast<int64_t>(d.ids.size())) {
    throw UserError(path + ": offsets do not match ids/labels (corrupted file)");
  }
  for (size_t i = 0; i + 1 < d.offsets.size(); ++i) {
    if (d.offsets[i] > d.offsets[i + 1]) throw UserError(path + ": offsets are not increasing");
  }
  for (int32_t l : d.labels) {
    if (l < 0 || l >= static_cast<int32_t>(d.class_names.size())) {
      throw UserError(path + ": label " + std::to_string(l) + " has no class name");
    }
  }
  return d;
}

int64_t EvalWindowCount(int64_t num_ids, int seq_len, int64_t max_tokens) {
  int64_t windows = (num_ids - 1) / seq_len;
  if (max_tokens > 0) windows = std::min(windows, std::max<int64_t>(1, max_tokens / seq_len));
  if (windows <= 0) {
    throw UserError("the evaluation split has " + std::to_string(num_ids) + " tokens, fewer than one window of " +
                    std::to_string(seq_len + 1));
  }
  return windows;
}

bool IsLabelledTokenFile(const std::string& path) {
  H5File f = H5File::OpenReadOnly(path);
  return f.HasAttr("/", "kind") && f.GetStringAttr("/", "kind") == "labelled_tokens";
}

}  // namespace elastiq
