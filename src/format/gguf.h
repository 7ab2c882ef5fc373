// GGUF, the file format of llama.cpp (and ollama, LM Studio): version 3, little-endian. A header
// (magic "GGUF", version, tensor count, key/value count), typed key/values (metadata), tensor infos
// (name, dimensions fastest first, ggml type, offset into the data section), then the tensor data,
// each tensor starting on `general.alignment` (default 32). Specification: the ggml repository's
// docs/gguf.md. The writer holds the tensors in memory and writes the file atomically; the reader
// treats the file as untrusted and checks every count, length, type and offset against the file size.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace elastiq {

enum class GgufValueType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

// The tensor types this project writes (ggml's numbering). Quantized types come in blocks: q8_0
// 32 values in 34 bytes (fp16 scale, 32 int8); tq1_0 256 ternary values in 54 bytes (base-3
// packed, fp16 scale); tq2_0 256 in 66 bytes (2-bit codes, fp16 scale).
enum class GgmlType : uint32_t { kF32 = 0, kF16 = 1, kQ8_0 = 8, kTQ1_0 = 34, kTQ2_0 = 35 };
struct GgmlTypeTraits {
  GgmlType type;
  const char* name;
  uint64_t block;        // values per block
  uint64_t block_bytes;  // bytes per block
};
// nullptr for a type number this project does not know.
const GgmlTypeTraits* FindGgmlType(uint32_t type);
const char* GgmlTypeName(GgmlType type);
// Bytes of `elements` values of `type`; `elements` must be a whole number of blocks.
uint64_t GgmlTypeBytes(GgmlType type, uint64_t elements);
inline constexpr uint64_t kQ8_0Block = 32;
inline constexpr uint64_t kTernaryBlock = 256;  // tq1_0 and tq2_0 (ggml's QK_K)

// One metadata entry. Scalars hold their value in `value`; arrays have type kArray, `item_type`
// their element type and `value` a JSON array.
struct GgufKv {
  std::string key;
  GgufValueType type = GgufValueType::kU32;
  GgufValueType item_type = GgufValueType::kU32;
  nlohmann::json value;
};

struct GgufTensorInfo {
  std::string name;
  std::vector<uint64_t> ne;  // dimensions, fastest-varying first (a row-major (rows, cols) matrix: {cols, rows})
  GgmlType type = GgmlType::kF32;
  uint64_t offset = 0;  // from the start of the data section
  uint64_t bytes() const;
};

struct GgufFile {
  uint32_t version = 0;
  uint64_t alignment = 32;
  uint64_t data_offset = 0;  // file offset of the data section
  std::vector<GgufKv> metadata;
  std::vector<GgufTensorInfo> tensors;
  const GgufKv* Find(const std::string& key) const;  // nullptr when absent
};

// Reads the header, metadata and tensor infos (not the data). UserError naming the file and the
// field for a bad magic, an unsupported version, counts or lengths that run past the file, an
// unknown value or tensor type, dimensions that overflow, or a tensor whose data is misaligned or
// ends past the file.
GgufFile ReadGguf(const std::string& path);

class GgufWriter {
 public:
  void AddString(const std::string& key, const std::string& value);
  void AddU32(const std::string& key, uint32_t value);
  void AddF32(const std::string& key, float value);
  void AddBool(const std::string& key, bool value);
  void AddArray(const std::string& key, GgufValueType item_type, nlohmann::json values);
  // `ne` fastest first; `data` must hold GgmlTypeBytes(type, product of ne) bytes.
  void AddTensor(const std::string& name, std::vector<uint64_t> ne, GgmlType type, std::vector<uint8_t> data);
  // Writes `path` through a temporary file and a rename: the old file or the new, never half of one.
  void Write(const std::string& path) const;

 private:
  std::vector<GgufKv> metadata_;
  std::vector<GgufTensorInfo> tensors_;
  std::vector<std::vector<uint8_t>> data_;
};

}  // namespace elastiq
