// Prefix-diffing decoder for streamed output.
#include "src/text/incremental_decoder.h"

namespace elastiq {

IncrementalDecoder::IncrementalDecoder(const Tokenizer& tokenizer, std::vector<int> prompt_ids)
    : tokenizer_(tokenizer), ids_(std::move(prompt_ids)) {
  prompt_text_ = tokenizer_.Decode(ids_);
  printed_ = prompt_text_;
}

std::string IncrementalDecoder::Push(int id) {
  ids_.push_back(id);
  std::string text = tokenizer_.Decode(ids_);
  if (text.size() <= printed_.size() || text.compare(0, printed_.size(), printed_) != 0) return "";
  std::string added = text.substr(printed_.size());
  printed_ = std::move(text);
  return added;
}

}  // namespace elastiq
