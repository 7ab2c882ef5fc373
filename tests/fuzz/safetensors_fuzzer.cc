// Fuzz harness: a Hugging Face safetensors file (import's input): header, JSON, dtypes, shapes,
// offsets, then every tensor converted to fp32.
#include "src/format/safetensors.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace elastiq;
  const std::string path = fuzz::WriteInputFile(data, size, ".safetensors");
  fuzz::RefusalsAreFine([&] {
    const SafetensorsFile file = SafetensorsFile::Open(path);
    for (const auto& [name, tensor] : file.tensors()) file.ReadF32(name);
  });
  return 0;
}
