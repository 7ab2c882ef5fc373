// Rotary position embedding's inverse frequencies, the one definition the runtime, the LibTorch
// model and the Hugging Face import share.
#pragma once

#include <cstdint>
#include <vector>

namespace elastiq {

// theta^(-2i / head_dim) for i in 0 .. head_dim / 2 - 1, in double.
std::vector<double> RopeInverseFrequencies(int64_t head_dim, double theta);

}  // namespace elastiq
