// The instruction set the kernels run with: chosen once at start-up from cpuid (or forced with
// ELASTIQ_ISA=scalar|avx2|avx512|neon for tests and comparisons), never per element.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace elastiq {

// kAvx2: AVX2 + FMA + F16C; kAvx512: F + BW + VNNI; kNeon: Armv8.2 NEON with dotprod.
enum class Isa { kScalar, kAvx2, kAvx512, kNeon };

inline constexpr Isa kAllIsas[] = {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kNeon};

const char* IsaName(Isa isa);
// The ISA named `name` ("scalar", "avx2", "avx512", "neon"), or nullopt.
std::optional<Isa> IsaFromName(std::string_view name);
bool IsaSupported(Isa isa);  // by this CPU and OS
// The best supported ISA, or the one ELASTIQ_ISA names (UserError if unknown or unsupported).
Isa SelectIsa();

}  // namespace elastiq
