// flock-based output lock (see output_lock.h).
#include "src/core/output_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "src/core/error.h"

namespace elastiq {

OutputLock::OutputLock(const std::string& output) : path_(output + ".lock") {
  fd_ = open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw UserError(path_ + ": cannot create the output's lock file: " + std::strerror(errno));
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char holder[32] = {};
    const ssize_t n = pread(fd_, holder, sizeof holder - 1, 0);
    close(fd_);
    fd_ = -1;
    throw UserError(output + ": another elastiq process (pid " + std::string(holder, n > 0 ? n : 0) +
                    ") is writing it; wait for it to finish or stop it, then run again");
  }
  const std::string pid = std::to_string(getpid());
  // The pid is only for the message above: the lock holds whether or not it could be written.
  if (ftruncate(fd_, 0) == 0 && pwrite(fd_, pid.data(), pid.size(), 0) == static_cast<ssize_t>(pid.size())) return;
}

// Removed while still held, so no stray file stays beside the output (a process that opened it just
// before would lock a file no one else finds: only three runs on one output at one instant could
// meet that).
OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  unlink(path_.c_str());
  close(fd_);
}

}  // namespace elastiq
