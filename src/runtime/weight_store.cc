// mmap + bounds/alignment checks of every tensor the runtime touches.
#include "src/runtime/weight_store.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
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
  for (WeightShape& w : MaxnetWeightShapes(s->config())) s->shapes_.emplace(w.name, std::move(w.shape));
  s->fd_ = fd;
  s->size_ = static_cast<size_t>(st.st_size);
  s->map_ = mmap(nullptr, s->size_, PROT_READ, MAP_PRIVATE, fd, 0);
  if (s->map_ == MAP_FAILED) {
    s->map_ = nullptr;
    throw UserError(path + ": cannot memory-map the file: " + std::strerror(errno));
  }
  // No read-around: a fault reads its own page only, so the cache (and a cgroup's charge) holds
  // what the active entry reads. Prefetch() reads an entry's pages ahead instead.
  madvise(s->map_, s->size_, MADV_RANDOM);
  s->pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0));
  return s;
}

WeightStore::~WeightStore() {
  if (map_) munmap(map_, size_);
  if (fd_ >= 0) ::close(fd_);
  if (pidfd_ >= 0) ::close(pidfd_);
}

bool WeightStore::InMapping(const TensorUse& use) const {
  const char* base = static_cast<const char*>(map_);
  return map_ && use.data >= base && use.data + use.bytes <= base + size_;
}

void WeightStore::Prefetch(const TensorUse& use) const {
  if (!InMapping(use)) return;
  const uintptr_t base = reinterpret_cast<uintptr_t>(use.data);
  for (const ByteRange& r : use.used) {
    const uintptr_t begin = (base + static_cast<uintptr_t>(r.begin)) / kPageBytes * kPageBytes;
    madvise(reinterpret_cast<void*>(begin), base + static_cast<uintptr_t>(r.end) - begin, MADV_WILLNEED);
  }
}

namespace {

// MADV_DONTNEED over many ranges: process_madvise on our own pidfd takes up to IOV_MAX ranges per
// call and (Linux 6.16+) flushes the TLB once per call instead of once per range, which matters
// when the other threads of the pool run on other cores (each flush is an IPI). Older kernels
// refuse DONTNEED there (EINVAL) or lack the call: then one madvise per range.
void DontNeed(int pidfd, std::vector<iovec>& ranges) {
  size_t done = 0;
  while (pidfd >= 0 && done < ranges.size()) {
    const size_t n = std::min<size_t>(ranges.size() - done, IOV_MAX);
    const long advised = syscall(SYS_process_madvise, pidfd, ranges.data() + done, n, MADV_DONTNEED, 0);
    if (advised < 0) break;
    // A partial result covers whole ranges first; skip what it covered.
    size_t covered = static_cast<size_t>(advised);
    while (covered > 0 && done < ranges.size() && covered >= ranges[done].iov_len) covered -= ranges[done++].iov_len;
    if (covered > 0) break;
  }
  for (; done < ranges.size(); ++done) madvise(ranges[done].iov_base, ranges[done].iov_len, MADV_DONTNEED);
}

}  // namespace

int64_t WeightStore::KeepOnly(const std::vector<TensorUse>& keep) const {
  const char* base = static_cast<const char*>(map_);
  std::vector<ByteRange> used;  // offsets in the file
  for (const TensorUse& use : keep) {
    if (!InMapping(use)) continue;
    const int64_t offset = use.data - base;
    for (const ByteRange& r : use.used) used.push_back({offset + r.begin, offset + r.end});
  }
  std::sort(used.begin(), used.end(), [](const ByteRange& a, const ByteRange& b) { return a.begin < b.begin; });
  std::vector<iovec> ranges;
  int64_t released = 0;
  for (const ByteRange& r : UnusedPages(static_cast<int64_t>(size_), used)) {
    ranges.push_back({const_cast<char*>(base + r.begin), static_cast<size_t>(r.end - r.begin)});
    released += r.end - r.begin;
  }
  DontNeed(pidfd_, ranges);
  return released;
}

void WeightStore::DropUnmappedFromCache() const {
  // The page cache drops only pages nobody maps: what KeepOnly unmapped, and what was never mapped.
  if (fd_ >= 0) posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED);
}

int64_t WeightStore::IntAttr(const std::string& group, const std::string& key) const {
  const std::string id = group + "@" + key;
  auto it = attrs_.find(id);
  if (it != attrs_.end()) return it->second;
  const H5File& h5 = file_.h5();
  const int64_t value = h5.IsGroup(group) && h5.HasAttr(group, key) ? h5.GetIntAttr(group, key) : -1;
  attrs_.emplace(id, value);
  return value;
}

const void* WeightStore::Tensor(const std::string& name, DType dtype, const std::vector<int64_t>& shape) const {
  std::string id = name + "@" + std::to_string(static_cast<int>(dtype));
  for (int64_t d : shape) id += "," + std::to_string(d);
  auto it = tensors_.find(id);
  if (it != tensors_.end()) return it->second;
  const void* data = Locate(name, dtype, shape);
  tensors_.emplace(id, data);
  return data;
}

const void* WeightStore::Locate(const std::string& name, DType dtype, const std::vector<int64_t>& shape) const {
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

const std::vector<int64_t>& WeightStore::MaxnetShape(const std::string& weight) const {
  auto it = shapes_.find(weight);
  ELASTIQ_ASSERT(it != shapes_.end(), "unknown weight " + weight);
  return it->second;
}

const float* WeightStore::Weight(const std::string& maxnet_weight_name) const {
  return static_cast<const float*>(
      Tensor("/weights/" + maxnet_weight_name, DType::kF32, MaxnetShape(maxnet_weight_name)));
}

}  // namespace elastiq
