// Streaming detokenization: given ids one at a time, returns the text each one adds. Decodes the
// whole sequence so far and emits the new suffix, because byte-fallback pieces only form UTF-8
// characters together and a piece's leading space only shows after the text before it.
#pragma once

#include <string>
#include <vector>

#include "src/text/tokenizer.h"

namespace elastiq {

class IncrementalDecoder {
 public:
  IncrementalDecoder(const Tokenizer& tokenizer, std::vector<int> prompt_ids);
  const std::string& prompt_text() const { return prompt_text_; }
  std::string Push(int id);  // the newly completed text (may be empty)

 private:
  const Tokenizer& tokenizer_;
  std::vector<int> ids_;
  std::string prompt_text_;
  std::string printed_;
};

}  // namespace elastiq
