// The median of a few timing samples (upper median for an even count), as benchmarks report.
#pragma once

#include <algorithm>
#include <vector>

namespace elastiq {

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

}  // namespace elastiq
