// Write-then-rename helpers and whole-file reads.
#include "src/core/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/core/error.h"

namespace elastiq {

AtomicFile::AtomicFile(std::string final_path) : final_path_(std::move(final_path)) {
  temp_path_ = final_path_ + ".tmp-" + std::to_string(::getpid());
  std::filesystem::path parent = std::filesystem::path(final_path_).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent)) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw UserError(final_path_ + ": cannot create folder " + parent.string() + ": " + ec.message());
  }
}

AtomicFile::~AtomicFile() {
  if (!committed_) std::remove(temp_path_.c_str());
}

void AtomicFile::Commit() {
  if (std::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    throw UserError(final_path_ + ": cannot move the finished file into place: " + std::strerror(errno));
  }
  committed_ = true;
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
