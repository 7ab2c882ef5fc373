// Scratch files and input splitting for the libFuzzer harnesses.
#include "tests/fuzz/fuzz_input.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace elastiq::fuzz {

namespace {

std::string ScratchDir() {
  if (const char* t = std::getenv("TMPDIR"); t && *t) return t;
  if (std::filesystem::is_directory("/dev/shm")) return "/dev/shm";
  return "/tmp";
}

}  // namespace

std::string WriteInputFile(const uint8_t* data, size_t size, const std::string& suffix) {
  const std::string path = ScratchDir() + "/elastiq-fuzz-" + std::to_string(getpid()) + suffix;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz harness: cannot write its scratch file %s\n", path.c_str());
    std::abort();
  }
  return path;
}

std::pair<std::string_view, std::string_view> SplitAtNul(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t nul = all.find('\0');
  if (nul == std::string_view::npos) return {all, {}};
  return {all.substr(0, nul), all.substr(nul + 1)};
}

}  // namespace elastiq::fuzz
