// Checks a serialized SentencePiece model for what SentencePiece itself cannot survive, before the
// bytes reach it: a piece that is empty or holds a NUL byte makes its trie builder throw inside a
// noexcept function, which ends the process (found by tests/fuzz/tokenizer_fuzzer, libsentencepiece
// 0.1.99). Reads only the protobuf wire format of ModelProto.pieces[].piece; a malformed message is
// left for SentencePiece to refuse with its own error.
#pragma once

#include <string>
#include <string_view>

namespace elastiq {

// UserError naming `source` and the piece's index for an empty piece or one holding a NUL byte.
void RequireLoadablePieces(std::string_view model_bytes, const std::string& source);

}  // namespace elastiq
