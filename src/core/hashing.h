// Small deterministic hashes: FNV-1a for content keys (cache folders, document splits) and
// SplitMix64 for deriving per-step random seeds that make training resumable exactly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace elastiq {

uint64_t Fnv1a64(std::string_view bytes);
std::string HexDigest64(uint64_t value);  // 16 lowercase hex digits
uint64_t SplitMix64(uint64_t x);

}  // namespace elastiq
