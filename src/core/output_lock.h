// One writer per training output: a run holds an exclusive lock on `<output>.lock` (flock, released
// by the kernel however the process ends) for as long as it may write checkpoints, so a second run
// (a --resume started while an earlier one still trains) is refused instead of racing it.
#pragma once

#include <string>

namespace elastiq {

class OutputLock {
 public:
  // UserError naming the output and the holder's pid when another live process holds the lock, or
  // when the lock file cannot be created (a read-only or missing folder).
  explicit OutputLock(const std::string& output);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace elastiq
