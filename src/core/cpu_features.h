// CPU feature detection from cpuid (x86-64) or the auxiliary vector (aarch64), read once. Used to pick SIMD kernels and
// to decide whether bf16 autocast is worth it for training (AVX512-BF16 present).
#pragma once

namespace elastiq {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;  // fp16 <-> fp32 conversions (vcvtph2ps / vcvtps2ph)
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  bool avxvnni = false;
  bool neon_dotprod = false;  // aarch64: Advanced SIMD with the dot-product extension (HWCAP_ASIMDDP)
};

const CpuFeatures& GetCpuFeatures();

// Hardware threads this machine offers (std::thread::hardware_concurrency), at least 1.
int CoreCount();

}  // namespace elastiq
