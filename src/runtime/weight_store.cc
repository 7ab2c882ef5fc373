// mmap + bounds/alignment checks of every tensor the runtime touches.
#include "src/runtime/weight_store.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "src/core/error.h"
#include "src/format/weight_layout.h"

namespace elastiq {

std::unique_ptr<WeightStore> WeightStore::Open(const std::string& path) {
  std::unique_ptr<WeightStore> s(new WeightStore(ModelFile::Open(path)));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw UserError(path + ": cannot open for reading: " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size <= 0) {
    ::close(fd);
    throw UserError(path + ": cannot read its size (empty file?)");
  }
  s->size_ = static_cast<size_t>(st.st_size);
  s->map_ = mmap(nullptr, s->size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (s->map_ == MAP_FAILED) {
    s->map_ = nullptr;
    throw UserError(path + ": cannot memory-map the file: " + std::strerror(errno));
  }
  return s;
}

WeightStore::~WeightStore() {
  if (map_) munmap(map_, size_);
}

const void* WeightStore::Tensor(const std::string& name, DType dtype, const std::vector<int64_t>& shape) const {
  DatasetInfo info = file_.h5().Info(name);
  const std::string where = file_.path() + ": " + name;
  if (info.dtype != dtype || info.shape != shape) {
    throw UserError(where + " has the wrong type or shape for its config (file inconsistent)");
  }
  if (info.file_offset < 0) {
    throw UserError(where + " is not stored contiguously, so it cannot be mapped; rewrite the file with elastiq");
  }
  if (info.bytes < 0 || static_cast<uint64_t>(info.file_offset) > size_ ||
      static_cast<uint64_t>(info.bytes) > size_ - static_cast<uint64_t>(info.file_offset)) {
    throw UserError(where + " lies beyond the end of the file (truncated file?)");
  }
  const char* p = static_cast<const char*>(map_) + info.file_offset;
  if (reinterpret_cast<uintptr_t>(p) % DTypeSize(dtype) == 0) return p;
  unaligned_copies_.emplace_back(new char[static_cast<size_t>(info.bytes)]);
  std::memcpy(unaligned_copies_.back().get(), p, static_cast<size_t>(info.bytes));
  return unaligned_copies_.back().get();
}

const float* WeightStore::Weight(const std::string& maxnet_weight_name) const {
  for (const WeightShape& w : MaxnetWeightShapes(config())) {
    if (w.name == maxnet_weight_name) {
      return static_cast<const float*>(Tensor("/weights/" + w.name, DType::kF32, w.shape));
    }
  }
  ELASTIQ_ASSERT(false, "unknown weight " + maxnet_weight_name);
  return nullptr;
}

}  // namespace elastiq
