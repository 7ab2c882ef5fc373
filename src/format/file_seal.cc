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
#include <sstream>
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

// A read-only mapping of the whole file that gives the page cache back as it found it: pages not
// resident when it was mapped are dropped again when it goes, so checking a large file neither
// counts against the memory budget the runtime computes next (page cache is charged to the
// reader's cgroup) nor evicts what other processes cache.
class MappedFile {
 public:
  MappedFile(int fd, const std::string& path) : fd_(fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) throw UserError(path + ": cannot read (" + ErrnoText() + ")");
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) return;
    void* map = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) throw UserError(path + ": cannot map it to check its seal (" + ErrnoText() + ")");
    data_ = static_cast<const char*>(map);
    resident_.resize((size_ + Page() - 1) / Page());
    if (mincore(map, size_, resident_.data()) != 0) resident_.clear();
    madvise(map, size_, MADV_SEQUENTIAL);
  }
  ~MappedFile() {
    if (!data_) return;
    munmap(const_cast<char*>(data_), size_);
    for (size_t p = 0; p < resident_.size();) {
      size_t end = p;
      while (end < resident_.size() && !(resident_[end] & 1)) ++end;
      if (end > p)
        posix_fadvise(fd_, static_cast<off_t>(p * Page()), static_cast<off_t>((end - p) * Page()), POSIX_FADV_DONTNEED);
      p = end + 1;
    }
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const { return {data_ ? data_ : "", size_}; }

  Content HashAfterBlock() const {
    const std::string_view b = bytes();
    const std::string_view after = b.size() > static_cast<size_t>(kSealBlockBytes) ? b.substr(kSealBlockBytes) : "";
    return {XXH3_64bits(after.data(), after.size()), static_cast<int64_t>(size_)};
  }

 private:
  static size_t Page() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }
  int fd_;
  const char* data_ = nullptr;
  size_t size_ = 0;
  std::vector<unsigned char> resident_;
};

std::string SealText(const Content& c) {
  return std::string(kSealTag) + HexDigest64(c.hash) + " " + std::to_string(c.bytes) + "\n";
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
    const MappedFile file(fd.get(), display_name);
    if (file.bytes().starts_with(std::string_view(kHdf5Signature, sizeof kHdf5Signature - 1))) {
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
  const MappedFile file(fd.get(), path);
  const std::string_view head = file.bytes().substr(0, std::strlen(kSealTag) + 64);
  if (!head.starts_with(kSealTag)) return SealCheck::kUnsealed;
  const size_t newline = head.find('\n');
  if (newline == std::string_view::npos) {  // found by tests/fuzz/model_file_fuzzer: a cut seal line
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
  return SealCheck::kMatches;
}

}  // namespace elastiq
