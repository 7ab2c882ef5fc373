// RoPE inverse frequencies (see rope.h).
#include "src/core/rope.h"

#include <cmath>

namespace elastiq {

std::vector<double> RopeInverseFrequencies(int64_t head_dim, double theta) {
  std::vector<double> inv_freq;
  for (int64_t i = 0; i < head_dim / 2; ++i)
    inv_freq.push_back(std::pow(theta, -2.0 * static_cast<double>(i) / static_cast<double>(head_dim)));
  return inv_freq;
}

}  // namespace elastiq
