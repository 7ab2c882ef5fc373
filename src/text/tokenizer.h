// SentencePiece BPE tokenizer with byte fallback. The serialized model travels inside every model
// file, so a model file is self-contained. Fixed special ids: unk 0, bos 1, eos 2, pad 3.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/text/special_tokens.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace elastiq {

// One vocabulary entry as exporters describe it (GGUF's tokenizer.ggml.token_type numbering).
enum class PieceKind : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUnused = 5, kByte = 6 };
struct Piece {
  std::string text;  // SentencePiece's piece, "▁" for a leading space, "<0x0A>" for a byte
  float score = 0;   // its log-probability score
  PieceKind kind = PieceKind::kNormal;
};

struct TokenizerTrainOptions {
  int vocab_size = 8000;
  int max_lines = 2000000;  // sentences sampled for training (SentencePiece input_sentence_size)
  int threads = 0;          // 0: all cores
};

class Tokenizer {
 public:
  static Tokenizer FromBytes(const std::string& model_bytes, const std::string& source);
  static Tokenizer FromFile(const std::string& path);
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  std::vector<int> Encode(std::string_view text) const;
  std::string Decode(const std::vector<int>& ids) const;
  std::string PieceText(int id) const;  // for streaming: decoded text of one piece
  int vocab_size() const;
  std::vector<Piece> Pieces() const;  // every id in order
  const std::string& model_bytes() const { return model_bytes_; }

 private:
  Tokenizer() = default;
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  std::string model_bytes_;
};

class ModelFile;
// The tokenizer embedded in a model file (/tokenizer), checked against the file's config: a vocabulary
// of another size than vocab_size is a UserError naming the file (ids past it would index nothing).
Tokenizer EmbeddedTokenizer(const ModelFile& model);

// Trains on `lines` and writes the .model file atomically to `out_path`; UserError when the
// corpus cannot support the vocabulary size (with the largest size it can).
void TrainTokenizer(const std::vector<std::string>& lines, const TokenizerTrainOptions& options,
                    const std::string& out_path);

}  // namespace elastiq
