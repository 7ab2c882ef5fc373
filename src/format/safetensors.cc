// safetensors reading (validated, memory-mapped) and writing.
#include "src/format/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/fp16.h"

namespace elastiq {
namespace {

constexpr uint64_t kMaxHeaderBytes = uint64_t{100} << 20;  // the reference implementation's limit

int DTypeBytes(SafetensorsDType t) { return t == SafetensorsDType::kF32 ? 4 : 2; }

const char* DTypeName(SafetensorsDType t) {
  switch (t) {
    case SafetensorsDType::kF32:
      return "F32";
    case SafetensorsDType::kF16:
      return "F16";
    case SafetensorsDType::kBF16:
      return "BF16";
  }
  return "?";
}

SafetensorsTensor ParseTensor(const std::string& path, const std::string& name, const nlohmann::json& j,
                              uint64_t data_bytes) {
  const auto fail = [&](const std::string& what) -> UserError {
    return UserError(path + ": tensor \"" + name + "\": " + what);
  };
  if (!j.is_object() || !j.contains("dtype") || !j.contains("shape") || !j.contains("data_offsets")) {
    throw fail("needs dtype, shape and data_offsets");
  }
  SafetensorsTensor t;
  const std::string dtype = j["dtype"].is_string() ? j["dtype"].get<std::string>() : "?";
  if (dtype == "F32") {
    t.dtype = SafetensorsDType::kF32;
  } else if (dtype == "F16") {
    t.dtype = SafetensorsDType::kF16;
  } else if (dtype == "BF16") {
    t.dtype = SafetensorsDType::kBF16;
  } else {
    throw fail("dtype " + dtype + " is not supported (F32, F16 and BF16 are)");
  }
  uint64_t elements = 1;
  if (!j["shape"].is_array() || j["shape"].size() > 8) throw fail("shape must be a list of at most 8 sizes");
  for (const nlohmann::json& n : j["shape"]) {
    if (!n.is_number_unsigned() || n.get<uint64_t>() > (uint64_t{1} << 40)) throw fail("bad shape");
    t.shape.push_back(static_cast<int64_t>(n.get<uint64_t>()));
    elements *= n.get<uint64_t>();
    if (elements > (uint64_t{1} << 40)) throw fail("shape too large");
  }
  const nlohmann::json& offsets = j["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned()) {
    throw fail("data_offsets must be [begin, end]");
  }
  t.begin = offsets[0].get<uint64_t>();
  t.end = offsets[1].get<uint64_t>();
  if (t.begin > t.end || t.end > data_bytes) {
    throw fail("data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) + "] run past the data (" +
               std::to_string(data_bytes) + " bytes; truncated file?)");
  }
  if (t.end - t.begin != elements * static_cast<uint64_t>(DTypeBytes(t.dtype))) {
    throw fail("holds " + std::to_string(t.end - t.begin) + " bytes but its shape and " + dtype + " need " +
               std::to_string(elements * DTypeBytes(t.dtype)));
  }
  return t;
}

uint16_t F32ToBF16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40);  // quiet NaN
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);                 // nearest even
}

}  // namespace

SafetensorsFile SafetensorsFile::Open(const std::string& path) {
  SafetensorsFile f;
  f.path_ = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw UserError(path + ": cannot open (" + std::strerror(errno) + ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < 8) {
    ::close(fd);
    throw UserError(path + ": not a safetensors file (shorter than its 8-byte header length)");
  }
  f.size_ = static_cast<size_t>(st.st_size);
  void* map = ::mmap(nullptr, f.size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) throw UserError(path + ": cannot map the file (" + std::strerror(errno) + ")");
  f.map_ = static_cast<const uint8_t*>(map);
  uint64_t header_bytes;
  std::memcpy(&header_bytes, f.map_, 8);
  if (header_bytes > kMaxHeaderBytes || header_bytes > f.size_ - 8) {
    throw UserError(path + ": not a safetensors file (header length " + std::to_string(header_bytes) +
                    " runs past the file's " + std::to_string(f.size_) + " bytes)");
  }
  const nlohmann::json header = nlohmann::json::parse(f.map_ + 8, f.map_ + 8 + header_bytes, nullptr, false);
  if (header.is_discarded() || !header.is_object())
    throw UserError(path + ": the safetensors header is not a JSON object");
  f.data_start_ = 8 + header_bytes;
  for (const auto& [name, j] : header.items()) {
    if (name == "__metadata__") continue;
    f.tensors_.emplace(name, ParseTensor(path, name, j, f.size_ - f.data_start_));
  }
  return f;
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& o) noexcept
    : path_(std::move(o.path_)),
      tensors_(std::move(o.tensors_)),
      map_(o.map_),
      size_(o.size_),
      data_start_(o.data_start_) {
  o.map_ = nullptr;
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(const_cast<uint8_t*>(map_), size_);
}

std::vector<float> SafetensorsFile::ReadF32(const std::string& name) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) throw UserError(path_ + ": no tensor \"" + name + "\"");
  const SafetensorsTensor& t = it->second;
  const uint8_t* p = map_ + data_start_ + t.begin;
  const size_t n = (t.end - t.begin) / static_cast<size_t>(DTypeBytes(t.dtype));
  std::vector<float> out(n);
  if (t.dtype == SafetensorsDType::kF32) {
    std::memcpy(out.data(), p, n * 4);
    return out;
  }
  for (size_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, p + 2 * i, 2);
    out[i] = t.dtype == SafetensorsDType::kF16 ? F16ToF32(h) : std::bit_cast<float>(uint32_t{h} << 16);
  }
  return out;
}

void WriteSafetensors(const std::string& path,
                      const std::map<std::string, std::pair<std::vector<int64_t>, std::vector<float>>>& tensors,
                      SafetensorsDType dtype) {
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  for (const auto& [name, tensor] : tensors) {
    const auto& [shape, values] = tensor;
    const uint64_t begin = data.size();
    for (float v : values) {
      if (dtype == SafetensorsDType::kF32) {
        data.append(reinterpret_cast<const char*>(&v), 4);
      } else {
        const uint16_t h = dtype == SafetensorsDType::kF16 ? F32ToF16(v) : F32ToBF16(v);
        data.append(reinterpret_cast<const char*>(&h), 2);
      }
    }
    header[name] = {{"dtype", DTypeName(dtype)}, {"shape", shape}, {"data_offsets", {begin, data.size()}}};
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned, as the reference writer does
  const uint64_t n = text.size();
  std::string bytes(reinterpret_cast<const char*>(&n), 8);
  WriteFileAtomically(path, bytes + text + data);
}

}  // namespace elastiq
