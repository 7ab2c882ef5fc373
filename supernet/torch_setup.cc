// Thread count and autocast switches for LibTorch 1.13 (C++ API in <ATen/autocast_mode.h>).
#include "supernet/torch_setup.h"

#include <ATen/autocast_mode.h>
#include <malloc.h>
#include <torch/torch.h>

#include <cstdlib>
#include <string>

#include "src/core/cpu_features.h"
#include "src/core/error.h"

namespace elastiq {

Precision ResolvePrecision(const std::string& name) {
  if (name == "bf16") {
    if (!GetCpuFeatures().avx512bf16) {
      throw UserError(
          "--precision bf16: this CPU lacks AVX512-BF16 (bf16 would be emulated and slow); use --precision fp32 or "
          "auto");
    }
    return Precision::kBf16;
  }
  if (name == "fp32") return Precision::kFp32;
  if (name == "auto") return GetCpuFeatures().avx512bf16 ? Precision::kBf16 : Precision::kFp32;
  throw UserError("--precision must be bf16, fp32 or auto, got \"" + name + "\"");
}

const char* PrecisionName(Precision p) { return p == Precision::kBf16 ? "bf16" : "fp32"; }

void ConfigureTorchProcess(int threads) {
  // ELASTIQ_DEFAULT_MALLOC=1 keeps glibc's defaults (for the side-by-side measurement).
  const char* keep_default = std::getenv("ELASTIQ_DEFAULT_MALLOC");
  if (!keep_default || std::string(keep_default) != "1") {
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  }
  if (threads <= 0) threads = CoreCount();
  torch::set_num_threads(threads);
}

AutocastScope::AutocastScope(Precision precision)
    : enabled_(precision == Precision::kBf16), previous_(at::autocast::is_cpu_enabled()) {
  if (!enabled_) return;
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  at::autocast::set_cpu_enabled(true);
}

AutocastScope::~AutocastScope() {
  if (!enabled_) return;
  at::autocast::clear_cache();
  at::autocast::set_cpu_enabled(previous_);
}

}  // namespace elastiq
