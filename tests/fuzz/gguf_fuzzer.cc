// Fuzz harness: a GGUF file's header, metadata and tensor infos, as ReadGguf checks them.
#include "src/format/gguf.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace elastiq;
  const std::string path = fuzz::WriteInputFile(data, size, ".gguf");
  fuzz::RefusalsAreFine([&] {
    const GgufFile file = ReadGguf(path);
    // What the reader promises of what it accepted: every tensor's bytes lie inside the file.
    if (file.tensors.empty()) return;
    if (file.data_offset > size) __builtin_trap();
    const uint64_t data_bytes = size - file.data_offset;
    for (const GgufTensorInfo& t : file.tensors) {
      if (t.offset > data_bytes || t.bytes() > data_bytes - t.offset) __builtin_trap();
    }
  });
  return 0;
}
