// The content seal of elastiq model files: the HDF5 user block (the first 4 KiB, which HDF5 reserves
// for the application and never parses) holds "elastiq-seal 1 xxh3-64 <hash> <file bytes>\n", the
// hash covering every byte after the block. Readers check it before libhdf5 parses anything, so a
// file damaged on disk or in transfer is refused with one line instead of reaching HDF5's parser,
// which is not hardened against damaged input (experiments/results/reliability.md). A seal is not
// a signature: a file crafted to do harm can carry a matching one (README, "Model files from
// elsewhere").
#pragma once

#include <cstdint>
#include <string>

namespace elastiq {

inline constexpr int64_t kSealBlockBytes = 4096;  // the HDF5 user block of sealed files

// Writes the seal of a closed HDF5 file made with a kSealBlockBytes user block. A file without the
// block (a copy of one written before seals existed) is left as it is. UserError if it cannot write.
void SealFile(const std::string& path, const std::string& display_name);

enum class SealCheck { kMatches, kUnsealed, kSkipped };

// Before parsing `path`: kMatches, or kUnsealed for a file without a seal (written before seals, or
// by another tool), or kSkipped under --no-verify (ELASTIQ_NO_VERIFY=1). UserError naming the file
// when it carries a seal its content does not match (a changed, truncated or extended file).
SealCheck CheckSeal(const std::string& path);

}  // namespace elastiq
