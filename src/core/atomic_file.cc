// Write-then-rename helpers and whole-file reads.
#include "src/core/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/core/error.h"

namespace elastiq {
namespace {

// True when `pid` names a process that still runs: not gone, and not a zombie (killed, waiting for a
// parent to reap it; containers whose first process reaps nothing keep those around for long).
bool ProcessRuns(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;  // no /proc: trust kill()
  const size_t close = line.rfind(')');        // the state follows the command name in parentheses
  return close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'Z';
}

// Removes `<final>.tmp-<pid>` files beside `final_path` whose process no longer runs: what a killed
// writer left behind (a live writer's temporary, another process's, is kept). Found by
// experiments/kill_soak.py: a killed writer still a zombie kept its temporary for good.
void RemoveStaleTemporaries(const std::filesystem::path& final_path) {
  const std::filesystem::path parent = final_path.parent_path().empty() ? "." : final_path.parent_path();
  const std::string prefix = final_path.filename().string() + ".tmp-";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(parent, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (pid != ::getpid() && !ProcessRuns(pid)) std::filesystem::remove(entry.path(), ec);
  }
}

// fsync of the finished temporary; UserError naming `what` when the system cannot make it durable.
void SyncFile(const std::string& path, const std::string& what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw UserError(what + ": cannot open " + path + " to flush it to disk: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) throw UserError(what + ": cannot flush it to disk: " + std::strerror(error));
}

// fsync of the folder after the rename, best effort: the new file is complete on disk by then, so
// if the folder cannot be synced (some filesystems refuse) a power cut can only bring back the old
// file, never half of one.
void SyncFolder(const std::filesystem::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

AtomicFile::AtomicFile(std::string final_path) : final_path_(std::move(final_path)) {
  temp_path_ = final_path_ + ".tmp-" + std::to_string(::getpid());
  std::filesystem::path parent = std::filesystem::path(final_path_).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent)) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw UserError(final_path_ + ": cannot create folder " + parent.string() + ": " + ec.message());
  }
  RemoveStaleTemporaries(final_path_);
}

AtomicFile::~AtomicFile() {
  if (!committed_) std::remove(temp_path_.c_str());
}

// The temporary's bytes reach the disk before the rename, and the rename before Commit returns: after
// a crash or power cut the final name holds the old file or the new one, never a new name without
// its data.
void AtomicFile::Commit() {
  SyncFile(temp_path_, final_path_);
  if (std::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    throw UserError(final_path_ + ": cannot move the finished file into place: " + std::strerror(errno));
  }
  committed_ = true;
  const std::filesystem::path parent = std::filesystem::path(final_path_).parent_path();
  SyncFolder(parent.empty() ? "." : parent);
}

std::string ReadFileBytes(const std::string& path) {
  if (!std::filesystem::exists(path)) throw UserError(path + ": no such file; check the path");
  if (std::filesystem::is_directory(path)) throw UserError(path + ": is a folder, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path + ": cannot be read (permissions?)");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteFileAtomically(const std::string& path, std::string_view bytes) {
  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw UserError(path + ": write failed (disk full or no permission?)");
  }
  file.Commit();
}

}  // namespace elastiq
