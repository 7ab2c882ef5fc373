// Write-then-rename: a file is either the old complete version or the new complete version,
// never half written, even if the process is killed mid-write.
#pragma once

#include <string>
#include <string_view>

namespace elastiq {

// Reserves a temporary path beside `final_path` (`<final>.tmp-<pid>`, removing those of writers that
// were killed); Commit() renames it into place, and the destructor removes the temporary if Commit()
// was never called.
class AtomicFile {
 public:
  explicit AtomicFile(std::string final_path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& temp_path() const { return temp_path_; }
  const std::string& final_path() const { return final_path_; }
  void Commit();

 private:
  std::string final_path_;
  std::string temp_path_;
  bool committed_ = false;
};

// Whole-file helpers with clear errors naming the file.
std::string ReadFileBytes(const std::string& path);
void WriteFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace elastiq
