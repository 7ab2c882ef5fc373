// Content seal: XXH3-64 over the bytes after the HDF5 user block, written into that block.
#include "src/format/file_seal.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <sstream>
#include <tuple>
#include <vector>

#include "src/core/error.h"
#include "src/core/hashing.h"

namespace elastiq {
namespace {

constexpr const char* kSealTag = "elastiq-seal 1 xxh3-64 ";
constexpr char kHdf5Signature[] = "\x89HDF\r\n\x1a\n";

class Fd {
 public:
  Fd(const std::string& path, int flags) : fd_(::open(path.c_str(), flags | O_CLOEXEC)) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string ErrnoText() { return std::strerror(errno); }

struct Content {
  uint64_t hash = 0;
  int64_t bytes = 0;  // the whole file's size
};

// Reads a file for its seal in 4 MiB chunks and gives the page cache back as it found it: pages that
// were not resident before are dropped again once hashed. So checking a large file keeps neither
// resident memory nor page cache (charged to the reader's cgroup, right before the runtime budgets
// memory: found by experiments/memory_storm.py), and evicts nothing other processes cache.
class SealReader {
 public:
  SealReader(int fd, const std::string& path) : fd_(fd), path_(path) {
    struct stat st;
    if (fstat(fd, &st) != 0) throw UserError(path + ": cannot read (" + ErrnoText() + ")");
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) return;
    // Which pages are cached now: mincore on a mapping that is never touched.
    void* map = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) return;
    resident_.resize((size_ + Page() - 1) / Page());
    if (mincore(map, size_, resident_.data()) != 0) resident_.clear();
    munmap(map, size_);
  }
  ~SealReader() { GiveBack(0, size_); }
  SealReader(const SealReader&) = delete;
  SealReader& operator=(const SealReader&) = delete;

  std::string Head(size_t n) const {
    std::string head(std::min(n, size_), '\0');
    head.resize(ReadAt(head.data(), head.size(), 0));
    return head;
  }

  Content HashAfterBlock() const {
    XXH3_state_t* state = XXH3_createState();
    if (!state) throw std::bad_alloc();
    XXH3_64bits_reset(state);
    std::vector<char> buffer(size_t{4} << 20);
    size_t offset = kSealBlockBytes;
    for (size_t got; (got = ReadAt(buffer.data(), buffer.size(), offset)) > 0; offset += got) {
      XXH3_64bits_update(state, buffer.data(), got);
      GiveBack(offset, got);
    }
    const Content c{XXH3_64bits_digest(state), static_cast<int64_t>(size_)};
    XXH3_freeState(state);
    return c;
  }

 private:
  static size_t Page() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

  size_t ReadAt(char* buffer, size_t n, size_t offset) const {
    size_t done = 0;
    while (done < n) {
      const ssize_t got = ::pread(fd_, buffer + done, n - done, static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw UserError(path_ + ": cannot read (" + ErrnoText() + ")");
      if (got == 0) break;
      done += static_cast<size_t>(got);
    }
    return done;
  }

  // Drops the pages of [offset, offset + len) that were not cached before the reader came.
  void GiveBack(size_t offset, size_t len) const {
    const size_t last = std::min(resident_.size(), (offset + len + Page() - 1) / Page());
    for (size_t p = offset / Page(); p < last;) {
      size_t end = p;
      while (end < last && !(resident_[end] & 1)) ++end;
      if (end > p)
        posix_fadvise(fd_, static_cast<off_t>(p * Page()), static_cast<off_t>((end - p) * Page()), POSIX_FADV_DONTNEED);
      p = end + 1;
    }
  }

  int fd_;
  std::string path_;
  size_t size_ = 0;
  std::vector<unsigned char> resident_;
};

std::string SealText(const Content& c) {
  return std::string(kSealTag) + HexDigest64(c.hash) + " " + std::to_string(c.bytes) + "\n";
}

// Files this process has found matching their seal, by device, inode, size and modification time: a
// file opened again (quantize opens its input twice) is not hashed again, one changed since is.
class CheckedFiles {
 public:
  using Identity = std::tuple<dev_t, ino_t, off_t, int64_t, int64_t>;
  static Identity Of(int fd) {
    struct stat st {};
    fstat(fd, &st);
    return {st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
  }
  bool Contains(const Identity& id) {
    const std::lock_guard<std::mutex> lock(mutex_);
    return ids_.count(id) > 0;
  }
  void Add(const Identity& id) {
    const std::lock_guard<std::mutex> lock(mutex_);
    ids_.insert(id);
  }

 private:
  std::mutex mutex_;
  std::set<Identity> ids_;
};

CheckedFiles& Checked() {
  static CheckedFiles files;
  return files;
}

bool VerificationOff() {
  const char* v = std::getenv("ELASTIQ_NO_VERIFY");
  return v && *v && std::strcmp(v, "0") != 0;
}

}  // namespace

void SealFile(const std::string& path, const std::string& display_name) {
  const Fd fd(path, O_RDWR);
  if (fd.get() < 0) throw UserError(display_name + ": cannot open to seal it (" + ErrnoText() + ")");
  std::string block;
  {
    const SealReader file(fd.get(), display_name);
    if (file.Head(sizeof kHdf5Signature - 1) == std::string_view(kHdf5Signature, sizeof kHdf5Signature - 1)) {
      return;  // no user block: an HDF5 file that starts at byte 0
    }
    block = SealText(file.HashAfterBlock());
  }
  block.resize(static_cast<size_t>(kSealBlockBytes), '\0');
  if (::pwrite(fd.get(), block.data(), block.size(), 0) != static_cast<ssize_t>(block.size())) {
    throw UserError(display_name + ": cannot write its seal (" + ErrnoText() + ")");
  }
}

SealCheck CheckSeal(const std::string& path) {
  if (VerificationOff()) return SealCheck::kSkipped;
  const Fd fd(path, O_RDONLY);
  if (fd.get() < 0) return SealCheck::kUnsealed;  // the HDF5 open reports a missing file
  const CheckedFiles::Identity identity = CheckedFiles::Of(fd.get());
  if (Checked().Contains(identity)) return SealCheck::kMatches;
  const SealReader file(fd.get(), path);
  const std::string head = file.Head(std::strlen(kSealTag) + 64);
  if (!head.starts_with(kSealTag)) return SealCheck::kUnsealed;
  const size_t newline = head.find('\n');
  if (newline == std::string::npos) {  // found by tests/fuzz/model_file_fuzzer: a cut seal line
    throw UserError(path + ": its seal line is damaged; copy it again, or pass --no-verify to read it anyway");
  }
  const std::string stored(head.substr(0, newline + 1));
  const Content actual = file.HashAfterBlock();
  if (stored != SealText(actual)) {
    std::istringstream fields(stored.substr(std::strlen(kSealTag)));
    std::string hash;
    int64_t bytes = -1;
    fields >> hash >> bytes;
    const std::string what = bytes != actual.bytes
                                 ? "holds " + std::to_string(actual.bytes) + " bytes, its seal says " +
                                       std::to_string(bytes) + " (truncated or extended?)"
                                 : "its content does not match its seal (damaged on disk or in transfer?)";
    throw UserError(path + ": " + what + "; copy it again, or pass --no-verify to read it anyway");
  }
  Checked().Add(identity);
  return SealCheck::kMatches;
}

}  // namespace elastiq
