// A thin RAII wrapper over the HDF5 C API: groups, contiguous uncompressed datasets (so the runtime
// can memory-map them at their file offset), and string/integer attributes. Every failure becomes a
// UserError naming the file and object, because files are untrusted input.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace elastiq {

enum class DType { kF32, kI8, kU8, kI32, kU32, kI64 };
size_t DTypeSize(DType t);
const char* DTypeName(DType t);

struct DatasetInfo {
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  int64_t num_elements = 0;
  int64_t bytes = 0;
  int64_t file_offset = -1;  // H5Dget_offset for contiguous, allocated data; -1 otherwise
};

class H5File {
 public:
  // Large datasets start on 4 KiB boundaries, so the runtime can mmap them page-aligned.
  static constexpr hsize_t kAlignment = 4096;
  static constexpr hsize_t kAlignThreshold = 4096;

  // user_block_bytes > 0 reserves that many bytes at the start for the application (file_seal.h).
  static H5File Create(const std::string& path, const std::string& display_name, int64_t user_block_bytes = 0);
  static H5File OpenReadOnly(const std::string& path);
  static H5File OpenReadWrite(const std::string& path, const std::string& display_name);
  H5File(H5File&& other) noexcept;
  H5File& operator=(H5File&& other) noexcept;
  H5File(const H5File&) = delete;
  ~H5File();

  const std::string& name() const { return display_name_; }
  void Close();
  // Flushes and closes, UserError when HDF5 cannot (a full disk, a failing device): writers call it
  // before renaming their temporary file into place, so a damaged file never takes the final name.
  void CloseOrFail();

  bool Exists(const std::string& object) const;
  void CreateGroup(const std::string& group);  // creates missing parents
  bool IsGroup(const std::string& object) const;
  bool IsDataset(const std::string& object) const;
  // Names of a group's members; empty for a missing object or a dataset.
  std::vector<std::string> ListGroup(const std::string& group) const;
  // Full paths of every dataset below the root, depth first in name order. Only hard links are
  // followed and each object is visited once, so a link cycle or a second link to a group ends
  // there; more than kMaxWalkDepth levels or kMaxWalkObjects objects is a UserError.
  static constexpr int kMaxWalkDepth = 32;
  static constexpr int kMaxWalkObjects = 1 << 20;
  std::vector<std::string> ListDatasets() const;

  void WriteDataset(const std::string& name, DType dtype, const std::vector<int64_t>& shape, const void* data);
  DatasetInfo Info(const std::string& name) const;
  // Reads a whole dataset after checking its element type and shape against the caller's.
  void ReadDataset(const std::string& name, DType dtype, const std::vector<int64_t>& shape, void* out) const;
  template <typename T>
  std::vector<T> Read(const std::string& name, DType dtype) const {
    DatasetInfo info = Info(name);
    std::vector<T> out(static_cast<size_t>(info.num_elements));
    ReadDataset(name, dtype, info.shape, out.data());
    return out;
  }

  void SetAttr(const std::string& object, const std::string& key, const std::string& value);
  void SetAttr(const std::string& object, const std::string& key, int64_t value);
  bool HasAttr(const std::string& object, const std::string& key) const;
  std::string GetStringAttr(const std::string& object, const std::string& key) const;
  int64_t GetIntAttr(const std::string& object, const std::string& key) const;

 private:
  H5File(hid_t id, std::string display_name) : id_(id), display_name_(std::move(display_name)) {}
  [[noreturn]] void Fail(const std::string& what) const;
  hid_t id_ = -1;
  std::string display_name_;
};

}  // namespace elastiq
