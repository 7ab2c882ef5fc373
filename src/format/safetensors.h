// safetensors, Hugging Face's weights format: an 8-byte little-endian header length N, N bytes of
// JSON ({name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}), then the
// data, offsets relative to its start. The file is untrusted: the header length, the JSON, every
// dtype, shape and offset are checked against the file size before any tensor is read. The file is
// memory-mapped; a tensor is converted to fp32 straight from the mapping (one copy).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace elastiq {

enum class SafetensorsDType { kF32, kF16, kBF16 };

struct SafetensorsTensor {
  SafetensorsDType dtype = SafetensorsDType::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte range inside the data section
};

class SafetensorsFile {
 public:
  // UserError naming the file and what is wrong: too short, a header length past the file, bad
  // JSON, a dtype other than F32/F16/BF16 (named), a shape that does not match the byte range, or a
  // range that runs past the data.
  static SafetensorsFile Open(const std::string& path);
  SafetensorsFile(SafetensorsFile&& other) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&&) = delete;
  SafetensorsFile(const SafetensorsFile&) = delete;
  ~SafetensorsFile();

  const std::string& path() const { return path_; }
  const std::map<std::string, SafetensorsTensor>& tensors() const { return tensors_; }
  // The tensor's values as fp32 (F16 and BF16 widened exactly); UserError for an unknown name.
  std::vector<float> ReadF32(const std::string& name) const;

 private:
  SafetensorsFile() = default;
  std::string path_;
  std::map<std::string, SafetensorsTensor> tensors_;
  const uint8_t* map_ = nullptr;
  size_t size_ = 0;
  uint64_t data_start_ = 0;
};

// Writes a safetensors file (tests and tools that make Hugging Face folders): tensors in name
// order, F32, F16 (values rounded to nearest even) or BF16 (rounded to nearest even).
void WriteSafetensors(const std::string& path,
                      const std::map<std::string, std::pair<std::vector<int64_t>, std::vector<float>>>& tensors,
                      SafetensorsDType dtype);

}  // namespace elastiq
