// The runtime's view of a model file: the file is memory-mapped read-only once, and tensors are
// pointers into the mapping (validated: type, shape, offset and size inside the file). Nothing is
// copied, so every palette entry runs from the one shared copy and resident memory follows what
// the active subnet touches.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "src/format/model_file.h"

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
  const float* Weight(const std::string& maxnet_weight_name) const;  // /weights/<name>, maxnet shape

 private:
  explicit WeightStore(ModelFile file) : file_(std::move(file)) {}
  ModelFile file_;
  void* map_ = nullptr;
  size_t size_ = 0;
  // Datasets whose file offset is not aligned for their type are copied here instead.
  mutable std::vector<std::unique_ptr<char[]>> unaligned_copies_;
};

}  // namespace elastiq
