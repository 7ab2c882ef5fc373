// torch.save state dicts through LibTorch's zip reader and unpickler (see torch_state_dict.h).
#include "supernet/torch_state_dict.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/unpickler.h>

#include <cstring>
#include <set>

#include "src/core/error.h"

namespace elastiq {
namespace {

constexpr const char* kOrderedDict = "collections\nOrderedDict\n";

// Walks a protocol-2 pickle one opcode at a time.
class PickleWalker {
 public:
  PickleWalker(const std::string& bytes, const std::string& what) : b_(bytes), what_(what) {}
  bool done() const { return at_ >= b_.size(); }
  size_t at() const { return at_; }
  char op() const { return b_[at_]; }
  // Length of the opcode at `at_`, its argument included.
  size_t Length() const {
    const uint8_t code = static_cast<uint8_t>(b_[at_]);
    switch (code) {
      case '(':
      case '.':
      case ')':
      case 't':
      case 0x85:
      case 0x86:
      case 0x87:
      case ']':
      case 'a':
      case 'e':
      case '}':
      case 's':
      case 'u':
      case 'R':
      case 'b':
      case 0x81:
      case 'N':
      case 0x88:
      case 0x89:
      case 'Q':
        return 1;
      case 0x80:
      case 'q':
      case 'h':
      case 'K':
        return 2;
      case 'M':
        return 3;
      case 'r':
      case 'j':
      case 'J':
        return 5;
      case 'G':
        return 9;
      case 'U':
      case 'C':
      case 0x8a:
        return 2 + Byte(at_ + 1);
      case 'X':
      case 'T':
      case 'B':
      case 0x8b:
        return 5 + U32(at_ + 1);
      case 'c': {
        const size_t module_end = b_.find('\n', at_ + 1), name_end = b_.find('\n', module_end + 1);
        if (module_end == std::string::npos || name_end == std::string::npos) Fail("a GLOBAL without its names");
        return name_end + 1 - at_;
      }
    }
    Fail("pickle opcode 0x" + Hex(code) + " is outside the protocol-2 subset torch.save writes");
  }
  void Next() {
    at_ += Length();
    if (at_ > b_.size()) Fail("the pickle ends inside an opcode");
  }
  // The memo slot a BINPUT/LONG_BINPUT/BINGET/LONG_BINGET at `pos` names.
  uint32_t Slot(size_t pos) const { return b_[pos] == 'q' || b_[pos] == 'h' ? Byte(pos + 1) : U32(pos + 1); }
  [[noreturn]] void Fail(const std::string& why) const {
    throw UserError(what_ + ": " + why + " (at byte " + std::to_string(at_) + " of data.pkl)");
  }

 private:
  uint32_t Byte(size_t pos) const {
    if (pos >= b_.size()) Fail("the pickle ends inside an opcode");
    return static_cast<uint8_t>(b_[pos]);
  }
  uint32_t U32(size_t pos) const {
    if (pos + 4 > b_.size()) Fail("the pickle ends inside an opcode");
    uint32_t v;
    std::memcpy(&v, b_.data() + pos, 4);
    return v;
  }
  static std::string Hex(uint8_t code) {
    const char* digits = "0123456789abcdef";
    return {digits[code >> 4], digits[code & 15]};
  }
  const std::string& b_;
  const std::string& what_;
  size_t at_ = 0;
};

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

bool IsPut(char op) { return op == 'q' || op == 'r'; }
bool IsGet(char op) { return op == 'h' || op == 'j'; }

}  // namespace

std::string RewriteOrderedDicts(const std::string& pickle, const std::string& what) {
  std::string out;
  std::set<uint32_t> slots;  // memo slots holding the OrderedDict class
  PickleWalker w(pickle, what);
  while (!w.done()) {
    const size_t start = w.at();
    const bool global = pickle.compare(start, std::strlen(kOrderedDict) + 1, std::string("c") + kOrderedDict) == 0;
    const bool get = IsGet(w.op()) && slots.count(w.Slot(start));
    if (!global && !get) {
      w.Next();
      out.append(pickle, start, w.at() - start);
      continue;
    }
    w.Next();
    if (global && !w.done() && IsPut(w.op())) {  // memoized: later references are rewritten too
      slots.insert(w.Slot(w.at()));
      w.Next();
    }
    if (w.done() || w.op() != ')') w.Fail("OrderedDict used other than as OrderedDict()");
    w.Next();
    if (w.done() || w.op() != 'R') w.Fail("OrderedDict used other than as OrderedDict()");
    w.Next();
    out.push_back('}');
  }
  return out;
}

std::map<std::string, torch::Tensor> LoadTorchStateDict(const std::string& path) {
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
  std::string pickle;
  try {
    reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
    auto [data, size] = reader->getRecord("data.pkl");
    pickle.assign(static_cast<const char*>(data.get()), size);
  } catch (const std::exception& e) {
    throw UserError(path +
                    ": not a torch.save archive LibTorch can open (zip format with data.pkl; files from "
                    "PyTorch before 1.6 are not read): " +
                    FirstLine(e.what()));
  }
  const std::string rewritten = RewriteOrderedDicts(pickle, path);
  size_t pos = 0;
  const auto read = [&](char* out, size_t n) {
    n = std::min(n, rewritten.size() - pos);
    std::memcpy(out, rewritten.data() + pos, n);
    pos += n;
    return n;
  };
  const auto record = [&](const std::string& key) { return std::get<0>(reader->getRecord("data/" + key)); };
  torch::IValue value;
  try {
    torch::jit::Unpickler unpickler(read, nullptr, nullptr, record, c10::Device(c10::kCPU));
    value = unpickler.parse_ivalue();
  } catch (const std::exception& e) {
    throw UserError(path + ": LibTorch could not unpickle it: " + FirstLine(e.what()));
  }
  if (!value.isGenericDict()) throw UserError(path + ": holds a " + value.tagKind() + ", not a state dict");
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& item : value.toGenericDict()) {
    if (!item.key().isString() || !item.value().isTensor())
      throw UserError(path + ": the state dict maps something other than names to tensors");
    tensors[item.key().toStringRef()] = item.value().toTensor();
  }
  return tensors;
}

}  // namespace elastiq
