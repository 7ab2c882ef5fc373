// SentencePiece wrapper: in-memory training (sentence iterator -> serialized proto), load, encode.
#include "src/text/tokenizer.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <thread>
#include <unordered_map>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/format/model_file.h"
#include "src/text/sentencepiece_precheck.h"

namespace elastiq {
namespace {

class LineIterator : public sentencepiece::SentenceIterator {
 public:
  explicit LineIterator(const std::vector<std::string>& lines) : lines_(lines) { Skip(); }
  bool done() const override { return pos_ >= lines_.size(); }
  void Next() override {
    ++pos_;
    Skip();
  }
  const std::string& value() const override { return lines_[pos_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  void Skip() {
    while (pos_ < lines_.size() && lines_[pos_].empty()) ++pos_;
  }
  const std::vector<std::string>& lines_;
  size_t pos_ = 0;
};

}  // namespace

Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::FromBytes(const std::string& model_bytes, const std::string& source) {
  RequireLoadablePieces(model_bytes, source);
  Tokenizer t;
  t.sp_ = std::make_unique<sentencepiece::SentencePieceProcessor>();
  auto status = t.sp_->LoadFromSerializedProto(model_bytes);
  if (!status.ok()) {
    throw UserError(source + ": not a SentencePiece model (" + status.ToString() +
                    "); train one with `elastiq tokenizer train`");
  }
  t.model_bytes_ = model_bytes;
  return t;
}

Tokenizer Tokenizer::FromFile(const std::string& path) { return FromBytes(ReadFileBytes(path), path); }

std::vector<int> Tokenizer::Encode(std::string_view text) const {
  std::vector<int> ids;
  auto status = sp_->Encode(text, &ids);
  ELASTIQ_ASSERT(status.ok(), status.ToString());
  return ids;
}

std::string Tokenizer::Decode(const std::vector<int>& ids) const {
  std::string text;
  auto status = sp_->Decode(ids, &text);
  ELASTIQ_ASSERT(status.ok(), status.ToString());
  return text;
}

std::string Tokenizer::PieceText(int id) const { return Decode({id}); }

int Tokenizer::vocab_size() const { return sp_->GetPieceSize(); }

std::vector<Piece> Tokenizer::Pieces() const {
  std::vector<Piece> pieces;
  for (int id = 0; id < vocab_size(); ++id) {
    PieceKind kind = PieceKind::kNormal;
    if (sp_->IsUnknown(id)) {
      kind = PieceKind::kUnknown;
    } else if (sp_->IsControl(id)) {
      kind = PieceKind::kControl;
    } else if (sp_->IsByte(id)) {
      kind = PieceKind::kByte;
    } else if (sp_->IsUnused(id)) {
      kind = PieceKind::kUnused;
    }
    pieces.push_back({sp_->IdToPiece(id), sp_->GetScore(id), kind});
  }
  return pieces;
}

Tokenizer EmbeddedTokenizer(const ModelFile& model) {
  Tokenizer t = Tokenizer::FromBytes(model.TokenizerBytes(), model.path() + " /tokenizer");
  if (t.vocab_size() != model.config().vocab_size) {
    throw UserError(model.path() + ": its tokenizer has " + std::to_string(t.vocab_size()) +
                    " pieces but its config says vocab_size " + std::to_string(model.config().vocab_size) +
                    "; the file is inconsistent (embed a tokenizer of that size)");
  }
  return t;
}

void TrainTokenizer(const std::vector<std::string>& lines, const TokenizerTrainOptions& options,
                    const std::string& out_path) {
  if (lines.empty()) throw UserError("tokenizer training data is empty; prepare data first");
  if (options.vocab_size < 300) {
    throw UserError("--vocab-size " + std::to_string(options.vocab_size) +
                    " is too small: byte fallback alone needs 256 pieces plus specials; use >= 300");
  }
  int threads = options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  std::unordered_map<std::string, std::string> args = {
      {"model_type", "bpe"},
      {"vocab_size", std::to_string(options.vocab_size)},
      {"byte_fallback", "true"},
      {"split_digits", "true"},
      {"character_coverage", "0.9995"},
      {"normalization_rule_name", "identity"},  // exact round trip: no NFKC rewriting
      {"remove_extra_whitespaces", "false"},
      {"unk_id", std::to_string(kUnkId)},
      {"bos_id", std::to_string(kBosId)},
      {"eos_id", std::to_string(kEosId)},
      {"pad_id", std::to_string(kPadId)},
      {"input_sentence_size", std::to_string(options.max_lines)},
      {"shuffle_input_sentence", "true"},
      {"max_sentence_length", "65536"},
      {"num_threads", std::to_string(std::max(1, threads))},
      {"minloglevel", "2"},
  };
  LineIterator it(lines);
  std::string model;
  auto status = sentencepiece::SentencePieceTrainer::Train(args, &it, &model);
  if (!status.ok()) {
    std::string msg = status.ToString();
    if (msg.find("Vocabulary size") != std::string::npos) {
      throw UserError("--vocab-size " + std::to_string(options.vocab_size) +
                      " is larger than this corpus supports: " + msg + "; lower --vocab-size or add text");
    }
    throw UserError("tokenizer training failed: " + msg);
  }
  WriteFileAtomically(out_path, model);
}

}  // namespace elastiq
