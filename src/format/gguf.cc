// GGUF v3 writing and validated reading.
#include "src/format/gguf.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include "src/core/atomic_file.h"
#include "src/core/error.h"

namespace elastiq {
namespace {

constexpr char kMagic[4] = {'G', 'G', 'U', 'F'};
constexpr uint32_t kVersion = 3;
constexpr uint64_t kDefaultAlignment = 32;
constexpr uint32_t kMaxDims = 4;  // GGML_MAX_DIMS

// Size of one scalar of `type`; 0 for strings and arrays (variable), -1 for an unknown type.
int ScalarBytes(GgufValueType type) {
  switch (type) {
    case GgufValueType::kU8:
    case GgufValueType::kI8:
    case GgufValueType::kBool:
      return 1;
    case GgufValueType::kU16:
    case GgufValueType::kI16:
      return 2;
    case GgufValueType::kU32:
    case GgufValueType::kI32:
    case GgufValueType::kF32:
      return 4;
    case GgufValueType::kU64:
    case GgufValueType::kI64:
    case GgufValueType::kF64:
      return 8;
    case GgufValueType::kString:
    case GgufValueType::kArray:
      return 0;
  }
  return -1;
}

// --- writing ---

class Bytes {
 public:
  template <typename T>
  void Put(T value) {
    const size_t at = out_.size();
    out_.resize(at + sizeof(T));
    std::memcpy(out_.data() + at, &value, sizeof(T));
  }
  void PutString(const std::string& s) {
    Put<uint64_t>(s.size());
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void PutScalar(GgufValueType type, const nlohmann::json& v) {
    switch (type) {
      case GgufValueType::kU8:
        return Put(v.get<uint8_t>());
      case GgufValueType::kI8:
        return Put(v.get<int8_t>());
      case GgufValueType::kU16:
        return Put(v.get<uint16_t>());
      case GgufValueType::kI16:
        return Put(v.get<int16_t>());
      case GgufValueType::kU32:
        return Put(v.get<uint32_t>());
      case GgufValueType::kI32:
        return Put(v.get<int32_t>());
      case GgufValueType::kF32:
        return Put(v.get<float>());
      case GgufValueType::kBool:
        return Put<uint8_t>(v.get<bool>() ? 1 : 0);
      case GgufValueType::kU64:
        return Put(v.get<uint64_t>());
      case GgufValueType::kI64:
        return Put(v.get<int64_t>());
      case GgufValueType::kF64:
        return Put(v.get<double>());
      case GgufValueType::kString:
        return PutString(v.get<std::string>());
      case GgufValueType::kArray:
        break;
    }
    ELASTIQ_ASSERT(false, "nested GGUF arrays are not written");
  }
  void PadTo(uint64_t alignment) { out_.resize((out_.size() + alignment - 1) / alignment * alignment, 0); }
  const std::vector<char>& data() const { return out_; }

 private:
  std::vector<char> out_;
};

// --- reading ---

// Reads typed values from the file, every read checked against the file's size.
class Cursor {
 public:
  Cursor(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    std::error_code ec;
    size_ = std::filesystem::file_size(path, ec);
    if (!in_ || ec) throw UserError(path + ": cannot read the file (missing or unreadable)");
  }
  uint64_t size() const { return size_; }
  uint64_t position() const { return position_; }
  [[noreturn]] void Fail(const std::string& what) const {
    throw UserError(path_ + ": not a valid GGUF file: " + what + " (at byte " + std::to_string(position_) + ")");
  }
  void Read(void* out, uint64_t bytes, const char* what) {
    if (bytes > size_ - position_) Fail(std::string(what) + " runs past the end of the file");
    in_.read(static_cast<char*>(out), static_cast<std::streamsize>(bytes));
    if (!in_) Fail(std::string("read error in ") + what);
    position_ += bytes;
  }
  template <typename T>
  T Get(const char* what) {
    T v;
    Read(&v, sizeof v, what);
    return v;
  }
  std::string GetString(const char* what) {
    const uint64_t n = Get<uint64_t>(what);
    if (n > size_ - position_)
      Fail(std::string(what) + ": a string of " + std::to_string(n) + " bytes runs past the end");
    std::string s(n, '\0');
    Read(s.data(), n, what);
    return s;
  }
  nlohmann::json GetScalar(GgufValueType type, const std::string& key) {
    const char* what = key.c_str();
    switch (type) {
      case GgufValueType::kU8:
        return Get<uint8_t>(what);
      case GgufValueType::kI8:
        return Get<int8_t>(what);
      case GgufValueType::kU16:
        return Get<uint16_t>(what);
      case GgufValueType::kI16:
        return Get<int16_t>(what);
      case GgufValueType::kU32:
        return Get<uint32_t>(what);
      case GgufValueType::kI32:
        return Get<int32_t>(what);
      case GgufValueType::kF32:
        return Get<float>(what);
      case GgufValueType::kBool:
        return Get<uint8_t>(what) != 0;
      case GgufValueType::kU64:
        return Get<uint64_t>(what);
      case GgufValueType::kI64:
        return Get<int64_t>(what);
      case GgufValueType::kF64:
        return Get<double>(what);
      case GgufValueType::kString:
        return GetString(what);
      case GgufValueType::kArray:
        break;
    }
    Fail(key + ": unknown value type " + std::to_string(static_cast<uint32_t>(type)));
  }

 private:
  std::string path_;
  std::ifstream in_;
  uint64_t size_ = 0, position_ = 0;
};

GgufKv ReadKv(Cursor& c) {
  GgufKv kv;
  kv.key = c.GetString("a metadata key");
  kv.type = static_cast<GgufValueType>(c.Get<uint32_t>("a value type"));
  if (ScalarBytes(kv.type) < 0)
    c.Fail(kv.key + ": unknown value type " + std::to_string(static_cast<uint32_t>(kv.type)));
  if (kv.type != GgufValueType::kArray) {
    kv.value = c.GetScalar(kv.type, kv.key);
    return kv;
  }
  kv.item_type = static_cast<GgufValueType>(c.Get<uint32_t>("an array item type"));
  const int item_bytes = ScalarBytes(kv.item_type);
  if (item_bytes < 0 || kv.item_type == GgufValueType::kArray) c.Fail(kv.key + ": unsupported array item type");
  const uint64_t count = c.Get<uint64_t>("an array length");
  const uint64_t least = item_bytes > 0 ? static_cast<uint64_t>(item_bytes) : sizeof(uint64_t);  // a string: its length
  if (count > (c.size() - c.position()) / least)
    c.Fail(kv.key + ": an array of " + std::to_string(count) + " items runs past the end");
  kv.value = nlohmann::json::array();
  for (uint64_t i = 0; i < count; ++i) kv.value.push_back(c.GetScalar(kv.item_type, kv.key));
  return kv;
}

GgufTensorInfo ReadTensorInfo(Cursor& c) {
  GgufTensorInfo t;
  t.name = c.GetString("a tensor name");
  const uint32_t dims = c.Get<uint32_t>("a dimension count");
  if (dims == 0 || dims > kMaxDims) c.Fail(t.name + ": " + std::to_string(dims) + " dimensions (1 to 4 allowed)");
  uint64_t elements = 1;
  for (uint32_t i = 0; i < dims; ++i) {
    const uint64_t n = c.Get<uint64_t>("a dimension");
    if (n == 0 || elements > (uint64_t{1} << 62) / n) c.Fail(t.name + ": dimensions are zero or overflow");
    elements *= n;
    t.ne.push_back(n);
  }
  const uint32_t type = c.Get<uint32_t>("a tensor type");
  const GgmlTypeTraits* traits = FindGgmlType(type);
  if (traits == nullptr) {
    c.Fail(t.name + ": tensor type " + std::to_string(type) +
           " is not one this reader knows (f32, f16, q8_0, tq1_0, tq2_0)");
  }
  t.type = traits->type;
  if (t.ne[0] % traits->block != 0) {
    c.Fail(t.name + ": " + traits->name + " rows must be a multiple of " + std::to_string(traits->block));
  }
  t.offset = c.Get<uint64_t>("a tensor offset");
  return t;
}

}  // namespace

namespace {
constexpr GgmlTypeTraits kGgmlTypes[] = {
    {GgmlType::kF32, "f32", 1, 4},
    {GgmlType::kF16, "f16", 1, 2},
    {GgmlType::kQ8_0, "q8_0", kQ8_0Block, 2 + kQ8_0Block},
    {GgmlType::kTQ1_0, "tq1_0", kTernaryBlock, (kTernaryBlock - 16) / 5 + 16 / 4 + 2},
    {GgmlType::kTQ2_0, "tq2_0", kTernaryBlock, kTernaryBlock / 4 + 2},
};
}  // namespace

const GgmlTypeTraits* FindGgmlType(uint32_t type) {
  for (const GgmlTypeTraits& t : kGgmlTypes) {
    if (static_cast<uint32_t>(t.type) == type) return &t;
  }
  return nullptr;
}

const char* GgmlTypeName(GgmlType type) {
  const GgmlTypeTraits* t = FindGgmlType(static_cast<uint32_t>(type));
  return t != nullptr ? t->name : "?";
}

uint64_t GgmlTypeBytes(GgmlType type, uint64_t elements) {
  const GgmlTypeTraits* t = FindGgmlType(static_cast<uint32_t>(type));
  ELASTIQ_ASSERT(t != nullptr && elements % t->block == 0, "GGUF tensor data must be whole blocks");
  return elements / t->block * t->block_bytes;
}

uint64_t GgufTensorInfo::bytes() const {
  uint64_t elements = 1;
  for (uint64_t n : ne) elements *= n;
  return GgmlTypeBytes(type, elements);
}

const GgufKv* GgufFile::Find(const std::string& key) const {
  for (const GgufKv& kv : metadata) {
    if (kv.key == key) return &kv;
  }
  return nullptr;
}

GgufFile ReadGguf(const std::string& path) {
  Cursor c(path);
  char magic[4];
  c.Read(magic, 4, "the magic");
  if (std::memcmp(magic, kMagic, 4) != 0) c.Fail("no GGUF magic");
  GgufFile f;
  f.version = c.Get<uint32_t>("the version");
  if (f.version != kVersion) c.Fail("version " + std::to_string(f.version) + " (this reader reads version 3)");
  const uint64_t tensor_count = c.Get<uint64_t>("the tensor count");
  const uint64_t kv_count = c.Get<uint64_t>("the metadata count");
  // The smallest tensor info and key/value are 8 (name length) + 4 + 8 + 4 + 8 and 8 + 4 + 1 bytes.
  if (tensor_count > c.size() / 32 || kv_count > c.size() / 13) c.Fail("counts larger than the file can hold");
  for (uint64_t i = 0; i < kv_count; ++i) f.metadata.push_back(ReadKv(c));
  if (const GgufKv* a = f.Find("general.alignment")) {
    if (a->type != GgufValueType::kU32 || a->value.get<uint32_t>() == 0 ||
        (a->value.get<uint32_t>() & (a->value.get<uint32_t>() - 1))) {
      c.Fail("general.alignment must be a power of two (uint32)");
    }
    f.alignment = a->value.get<uint32_t>();
  }
  for (uint64_t i = 0; i < tensor_count; ++i) f.tensors.push_back(ReadTensorInfo(c));
  f.data_offset = (c.position() + f.alignment - 1) / f.alignment * f.alignment;
  const uint64_t data_bytes = c.size() > f.data_offset ? c.size() - f.data_offset : 0;
  for (const GgufTensorInfo& t : f.tensors) {
    if (t.offset % f.alignment != 0) c.Fail(t.name + ": data offset " + std::to_string(t.offset) + " is not aligned");
    if (t.offset > data_bytes || t.bytes() > data_bytes - t.offset)
      c.Fail(t.name + ": data runs past the end of the file");
  }
  return f;
}

void GgufWriter::AddString(const std::string& key, const std::string& value) {
  metadata_.push_back({key, GgufValueType::kString, GgufValueType::kU32, value});
}
void GgufWriter::AddU32(const std::string& key, uint32_t value) {
  metadata_.push_back({key, GgufValueType::kU32, GgufValueType::kU32, value});
}
void GgufWriter::AddF32(const std::string& key, float value) {
  metadata_.push_back({key, GgufValueType::kF32, GgufValueType::kU32, value});
}
void GgufWriter::AddBool(const std::string& key, bool value) {
  metadata_.push_back({key, GgufValueType::kBool, GgufValueType::kU32, value});
}
void GgufWriter::AddArray(const std::string& key, GgufValueType item_type, nlohmann::json values) {
  ELASTIQ_ASSERT(values.is_array() && item_type != GgufValueType::kArray);
  metadata_.push_back({key, GgufValueType::kArray, item_type, std::move(values)});
}

void GgufWriter::AddTensor(const std::string& name, std::vector<uint64_t> ne, GgmlType type,
                           std::vector<uint8_t> data) {
  GgufTensorInfo t{name, std::move(ne), type, 0};
  ELASTIQ_ASSERT(data.size() == t.bytes(), name);
  uint64_t offset = 0;
  if (!tensors_.empty()) {
    offset = (tensors_.back().offset + tensors_.back().bytes() + kDefaultAlignment - 1) / kDefaultAlignment *
             kDefaultAlignment;
  }
  t.offset = offset;
  tensors_.push_back(std::move(t));
  data_.push_back(std::move(data));
}

void GgufWriter::Write(const std::string& path) const {
  Bytes head;
  for (char ch : kMagic) head.Put(ch);
  head.Put(kVersion);
  head.Put<uint64_t>(tensors_.size());
  head.Put<uint64_t>(metadata_.size());
  for (const GgufKv& kv : metadata_) {
    head.PutString(kv.key);
    head.Put(static_cast<uint32_t>(kv.type));
    if (kv.type != GgufValueType::kArray) {
      head.PutScalar(kv.type, kv.value);
      continue;
    }
    head.Put(static_cast<uint32_t>(kv.item_type));
    head.Put<uint64_t>(kv.value.size());
    for (const nlohmann::json& item : kv.value) head.PutScalar(kv.item_type, item);
  }
  for (const GgufTensorInfo& t : tensors_) {
    head.PutString(t.name);
    head.Put<uint32_t>(static_cast<uint32_t>(t.ne.size()));
    for (uint64_t n : t.ne) head.Put(n);
    head.Put(static_cast<uint32_t>(t.type));
    head.Put(t.offset);
  }
  head.PadTo(kDefaultAlignment);
  AtomicFile file(path);
  std::ofstream out(file.temp_path(), std::ios::binary);
  out.write(head.data().data(), static_cast<std::streamsize>(head.data().size()));
  uint64_t written = 0;
  const std::vector<char> zeros(kDefaultAlignment, 0);
  for (size_t i = 0; i < tensors_.size(); ++i) {
    out.write(zeros.data(), static_cast<std::streamsize>(tensors_[i].offset - written));
    out.write(reinterpret_cast<const char*>(data_[i].data()), static_cast<std::streamsize>(data_[i].size()));
    written = tensors_[i].offset + data_[i].size();
  }
  out.close();
  if (!out) throw UserError(path + ": could not write the GGUF file (disk full or not writable?)");
  file.Commit();
}

}  // namespace elastiq
