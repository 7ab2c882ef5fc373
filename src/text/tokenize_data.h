// Tokenizes a split of a prepared data folder once and caches the token-id file inside the folder,
// keyed by the tokenizer's bytes and the split's content, so a changed tokenizer or re-prepared
// data never reuses stale ids.
#pragma once

#include <string>

#include "src/text/data_dir.h"
#include "src/text/tokenizer.h"

namespace elastiq {

// Returns the path of the token-id file (src/text/token_ids.h) for `split`.
std::string EnsureTokenized(const DataDir& dir, const Tokenizer& tokenizer, const std::string& split);

}  // namespace elastiq
