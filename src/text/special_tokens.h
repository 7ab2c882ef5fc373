// Fixed special token ids of every elastiq tokenizer (set when the SentencePiece model is trained).
#pragma once

namespace elastiq {

inline constexpr int kUnkId = 0, kBosId = 1, kEosId = 2, kPadId = 3;

}  // namespace elastiq
