// ISA selection from cpuid (src/core/cpu_features.h) and the ELASTIQ_ISA override.
#include "src/kernels/isa.h"

#include <cstdlib>

#include "src/core/cpu_features.h"
#include "src/core/error.h"

namespace elastiq {

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
    case Isa::kNeon:
      return "neon";
  }
  return "?";
}

bool IsaSupported(Isa isa) {
  const CpuFeatures& f = GetCpuFeatures();
  switch (isa) {
    case Isa::kScalar:
      return true;
    case Isa::kAvx2:
      return f.avx2 && f.fma && f.f16c;  // F16C: the fp16 KV-cache kernels
    case Isa::kAvx512:
      return f.avx512f && f.avx512bw && f.avx512vnni;
    case Isa::kNeon:
      return f.neon_dotprod;
  }
  return false;
}

std::optional<Isa> IsaFromName(std::string_view name) {
  for (Isa isa : kAllIsas) {
    if (name == IsaName(isa)) return isa;
  }
  return std::nullopt;
}

Isa SelectIsa() {
  if (const char* forced = std::getenv("ELASTIQ_ISA"); forced && *forced) {
    const std::optional<Isa> isa = IsaFromName(forced);
    if (!isa) throw UserError(std::string("ELASTIQ_ISA=") + forced + ": unknown; use scalar, avx2, avx512 or neon");
    if (!IsaSupported(*isa)) throw UserError(std::string("ELASTIQ_ISA=") + forced + ": this CPU does not support it");
    return *isa;
  }
  if (IsaSupported(Isa::kNeon)) return Isa::kNeon;
  if (IsaSupported(Isa::kAvx512)) return Isa::kAvx512;
  if (IsaSupported(Isa::kAvx2)) return Isa::kAvx2;
  return Isa::kScalar;
}

}  // namespace elastiq
