// Process-wide LibTorch settings for training: intra-op threads from the core count (LibTorch
// starts with 1 on a 2-core machine) and bf16 autocast where the CPU has AVX512-BF16 (through
// oneDNN: several times faster training here, docs/PLATFORM.md).
#pragma once

#include <string>

namespace elastiq {

enum class Precision { kBf16, kFp32 };

// Parses "bf16" | "fp32" | "auto" (bf16 when the CPU supports it); UserError otherwise.
Precision ResolvePrecision(const std::string& name);
const char* PrecisionName(Precision p);
// Intra-op threads (threads <= 0: one per core), and keeps freed memory in the malloc heap:
// glibc serves the large activation/logit buffers of every step with fresh mmap()s and unmaps them
// on free, so each step page-faults them in again; measured here on the tiny decoder, training ran
// about 3x faster with mmap off (experiments/results/pretrain_speed.md; ELASTIQ_DEFAULT_MALLOC=1
// keeps the defaults for that comparison).
void ConfigureTorchProcess(int threads);

// --device of the training commands: "cpu", or "cuda" / "cuda:N", which this build refuses with one
// line saying why (LibTorch without CUDA: Debian's is CPU-only; or, with CUDA, training that places
// its tensors on a GPU is not written yet). UserError for anything else.
void RequireTrainingDevice(const std::string& device);

// While alive, CPU autocast to bf16 is on (when precision is bf16); parameters stay fp32.
class AutocastScope {
 public:
  explicit AutocastScope(Precision precision);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool enabled_;
  bool previous_;
};

}  // namespace elastiq
