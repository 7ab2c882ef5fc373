// Thread count and autocast switches for LibTorch 1.13 (C++ API in <ATen/autocast_mode.h>).
#include "supernet/torch_setup.h"

#include <ATen/autocast_mode.h>
#include <malloc.h>
#include <torch/torch.h>

#include <cstdlib>
#include <string>

#include "src/core/cpu_features.h"
#include "src/core/error.h"
#include "src/core/parse_number.h"

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

void RequireTrainingDevice(const std::string& device) {
  if (device == "cpu") return;
  const bool cuda =
      device == "cuda" || (device.rfind("cuda:", 0) == 0 && TryParseInt(device.substr(5)).value_or(-1) >= 0);
  if (!cuda) throw UserError("--device must be cpu, cuda or cuda:N (a GPU index), got \"" + device + "\"");
  if (!torch::cuda::is_available()) {
    throw UserError("--device " + device +
                    ": this elastiq-train is built against a LibTorch without CUDA (Debian's libtorch-dev is "
                    "CPU-only); use --device cpu, or build against a CUDA LibTorch (docs/PLATFORM.md, Torch_DIR)");
  }
  throw UserError("--device " + device +
                  ": this LibTorch sees CUDA, but elastiq's training loops do not place their tensors on a GPU yet "
                  "(not written: no CUDA machine to test it on); use --device cpu");
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
