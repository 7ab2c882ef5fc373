// A minimal protobuf wire-format walk over ModelProto (field 1: repeated SentencePiece, whose field
// 1 is the piece text): only as much as the pre-check needs.
#include "src/text/sentencepiece_precheck.h"

#include <cstdint>
#include <optional>

#include "src/core/error.h"

namespace elastiq {
namespace {

constexpr int kWireVarint = 0, kWireFixed64 = 1, kWireBytes = 2, kWireFixed32 = 5;
constexpr uint64_t kPiecesField = 1, kPieceTextField = 1;

// Reads protobuf fields one at a time; nullopt once the bytes stop making sense.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes) : rest_(bytes) {}
  bool done() const { return rest_.empty(); }

  struct Field {
    uint64_t number = 0;
    int wire_type = 0;
    std::string_view bytes;  // the payload of a length-delimited field
  };

  std::optional<Field> Next() {
    const std::optional<uint64_t> key = Varint();
    if (!key) return std::nullopt;
    Field f{.number = *key >> 3, .wire_type = static_cast<int>(*key & 7)};
    if (f.wire_type == kWireVarint) return Varint() ? std::optional(f) : std::nullopt;
    if (f.wire_type == kWireFixed64) return Skip(8) ? std::optional(f) : std::nullopt;
    if (f.wire_type == kWireFixed32) return Skip(4) ? std::optional(f) : std::nullopt;
    if (f.wire_type != kWireBytes) return std::nullopt;  // groups: not in ModelProto
    const std::optional<uint64_t> length = Varint();
    if (!length || *length > rest_.size()) return std::nullopt;
    f.bytes = rest_.substr(0, *length);
    rest_.remove_prefix(*length);
    return f;
  }

 private:
  std::optional<uint64_t> Varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64 && !rest_.empty(); shift += 7) {
      const auto byte = static_cast<uint8_t>(rest_.front());
      rest_.remove_prefix(1);
      value |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return value;
    }
    return std::nullopt;
  }
  bool Skip(size_t n) {
    if (rest_.size() < n) return false;
    rest_.remove_prefix(n);
    return true;
  }
  std::string_view rest_;
};

// The piece text of one serialized SentencePiece message; nullopt when it has none or is malformed.
std::optional<std::string_view> PieceText(std::string_view message) {
  WireReader r(message);
  std::optional<std::string_view> text;
  while (!r.done()) {
    const auto f = r.Next();
    if (!f) return std::nullopt;
    if (f->number == kPieceTextField && f->wire_type == kWireBytes) text = f->bytes;
  }
  return text;
}

}  // namespace

void RequireLoadablePieces(std::string_view model_bytes, const std::string& source) {
  WireReader r(model_bytes);
  for (int64_t index = 0; !r.done();) {
    const auto f = r.Next();
    if (!f) return;
    if (f->number != kPiecesField || f->wire_type != kWireBytes) continue;
    const std::optional<std::string_view> text = PieceText(f->bytes);
    if (text && (text->empty() || text->find('\0') != std::string_view::npos)) {
      throw UserError(source + ": tokenizer piece " + std::to_string(index) +
                      " is empty or holds a NUL byte, which SentencePiece cannot load; rebuild the tokenizer");
    }
    ++index;
  }
}

}  // namespace elastiq
