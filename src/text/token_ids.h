// Token-id files: the hand-off from the SentencePiece side (which tokenizes) to the LibTorch side
// (which never links SentencePiece: Debian's SentencePiece and LibTorch carry clashing protobuf
// copies, docs/PLATFORM.md). Small HDF5 files so they are inspectable with h5dump.
//   text:      /ids int32 (n,)  documents joined, each followed by EOS; attrs vocab_size, eos_id
//   labelled:  /ids int32, /offsets int64 (n+1,), /labels int32 (n,); attrs vocab_size, class_names
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace elastiq {

struct TokenStream {
  int vocab_size = 0;
  std::vector<int32_t> ids;
};

struct LabelledTokens {
  int vocab_size = 0;
  std::vector<std::string> class_names;
  std::vector<int32_t> labels;   // (n,)
  std::vector<int64_t> offsets;  // (n+1,): example i is ids[offsets[i], offsets[i+1])
  std::vector<int32_t> ids;
  size_t size() const { return labels.size(); }
};

void WriteTokenStream(const std::string& path, const TokenStream& stream);
TokenStream ReadTokenStream(const std::string& path);
void WriteLabelledTokens(const std::string& path, const LabelledTokens& data);
LabelledTokens ReadLabelledTokens(const std::string& path);
// True when `path` holds labelled examples (an encoder data set).
bool IsLabelledTokenFile(const std::string& path);

// Perplexity evaluation scores non-overlapping windows of seq_len + 1 tokens (inputs, then the
// targets shifted by one), each starting on the grid w * seq_len, both engines alike; which ones:
// src/text/validation_sample.h. The number of windows for `num_ids` tokens, capped at
// max_tokens / seq_len (max_tokens <= 0: no cap); UserError when not even one window fits.
int64_t EvalWindowCount(int64_t num_ids, int seq_len, int64_t max_tokens);

}  // namespace elastiq
