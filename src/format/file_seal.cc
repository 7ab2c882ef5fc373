// Content seal: XXH3-64 over the bytes after the HDF5 user block, written into that block.
#include "src/format/file_seal.h"

#include <fcntl.h>
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

// Reads up to `n` bytes at `offset`; returns how many it got (fewer at the end of the file).
size_t ReadAt(int fd, char* buffer, size_t n, int64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd, buffer + done, n - done, offset + static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw UserError(path + ": cannot read (" + ErrnoText() + ")");
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return done;
}

struct Content {
  uint64_t hash = 0;
  int64_t bytes = 0;  // the whole file's size
};

Content HashAfterBlock(int fd, const std::string& path) {
  XXH3_state_t* state = XXH3_createState();
  if (!state) throw std::bad_alloc();
  XXH3_64bits_reset(state);
  std::vector<char> buffer(size_t{4} << 20);
  int64_t offset = kSealBlockBytes;
  for (size_t got; (got = ReadAt(fd, buffer.data(), buffer.size(), offset, path)) > 0; offset += got) {
    XXH3_64bits_update(state, buffer.data(), got);
  }
  const Content c{XXH3_64bits_digest(state), offset};
  XXH3_freeState(state);
  return c;
}

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
  char head[sizeof kHdf5Signature - 1];
  if (ReadAt(fd.get(), head, sizeof head, 0, display_name) == sizeof head &&
      std::memcmp(head, kHdf5Signature, sizeof head) == 0) {
    return;  // no user block: an HDF5 file that starts at byte 0
  }
  std::string block = SealText(HashAfterBlock(fd.get(), display_name));
  block.resize(static_cast<size_t>(kSealBlockBytes), '\0');
  if (::pwrite(fd.get(), block.data(), block.size(), 0) != static_cast<ssize_t>(block.size())) {
    throw UserError(display_name + ": cannot write its seal (" + ErrnoText() + ")");
  }
}

SealCheck CheckSeal(const std::string& path) {
  if (VerificationOff()) return SealCheck::kSkipped;
  const Fd fd(path, O_RDONLY);
  if (fd.get() < 0) return SealCheck::kUnsealed;  // the HDF5 open reports a missing file
  std::string head(std::strlen(kSealTag) + 64, '\0');
  head.resize(ReadAt(fd.get(), head.data(), head.size(), 0, path));
  if (head.rfind(kSealTag, 0) != 0) return SealCheck::kUnsealed;
  const std::string stored = head.substr(0, head.find('\n') + 1);
  const Content actual = HashAfterBlock(fd.get(), path);
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
