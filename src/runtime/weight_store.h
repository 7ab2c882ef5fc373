// The runtime's view of a model file: the file is memory-mapped read-only once, and tensors are
// pointers into the mapping (validated: type, shape, offset and size inside the file). Nothing is
// copied, so every palette entry runs from the one shared copy and resident memory follows what
// the active subnet touches; pages only a larger entry used are given back after a switch down.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "src/format/model_file.h"
#include "src/runtime/weight_ranges.h"

namespace elastiq {

class WeightStore {
 public:
  static std::unique_ptr<WeightStore> Open(const std::string& path);
  ~WeightStore();
  WeightStore(const WeightStore&) = delete;
  WeightStore& operator=(const WeightStore&) = delete;

  const ModelFile& file() const { return file_; }
  const ModelConfig& config() const { return file_.config(); }
  size_t mapped_bytes() const { return size_; }

  // A dataset's data checked against `dtype` and `shape` (UserError naming the dataset otherwise).
  const void* Tensor(const std::string& name, DType dtype, const std::vector<int64_t>& shape) const;
  const float* Weight(const std::string& maxnet_weight_name) const;          // /weights/<name>, maxnet shape
  const std::vector<int64_t>& MaxnetShape(const std::string& weight) const;  // asserts a known name
  // An integer attribute of a group, or -1 when the group or attribute is missing.
  int64_t IntAttr(const std::string& group, const std::string& key) const;

  // Starts reading the pages `use.used` touches (madvise MADV_WILLNEED), so a new entry's first
  // token does not fault them in one by one (the mapping is MADV_RANDOM: no read-around).
  void Prefetch(const TensorUse& use) const;
  // Gives back every whole page of the mapping that no `keep` range touches: the pages only a larger
  // entry used, and neighbours the kernel mapped along with a fault (fault-around). Unmapped from
  // this process (MADV_DONTNEED, batched through process_madvise where the kernel allows it, one
  // TLB flush per batch). Returns the bytes advised (pages that were not resident included).
  // Tensors copied out of the mapping are not affected. Safe to call from another thread while
  // an engine reads the kept ranges.
  int64_t KeepOnly(const std::vector<TensorUse>& keep) const;
  // Drops the file's pages nobody maps from the page cache (POSIX_FADV_DONTNEED), so a memory
  // cgroup stops charging what KeepOnly unmapped. Safe to call from another thread.
  void DropUnmappedFromCache() const;

 private:
  explicit WeightStore(ModelFile file) : file_(std::move(file)) {}
  ModelFile file_;
  bool InMapping(const TensorUse& use) const;
  const void* Locate(const std::string& name, DType dtype,
                     const std::vector<int64_t>& shape) const;  // uncached Tensor()

  int fd_ = -1;     // kept open for posix_fadvise
  int pidfd_ = -1;  // this process, for process_madvise; -1 where unavailable
  void* map_ = nullptr;
  size_t size_ = 0;
  // Lookups are cached: a switch builds a new engine from the same tensors, and HDF5 metadata
  // lookups (about 0.1 ms each) would make that tens of milliseconds.
  std::unordered_map<std::string, std::vector<int64_t>> shapes_;  // maxnet weight shapes by name
  mutable std::unordered_map<std::string, const void*> tensors_;
  mutable std::unordered_map<std::string, int64_t> attrs_;
  // Datasets whose file offset is not aligned for their type are copied here instead.
  mutable std::vector<std::unique_ptr<char[]>> unaligned_copies_;
};

}  // namespace elastiq
