// Trainable-parameter counts of sliced adapters and the (n_1 / n_j)^gamma loss weights.
#include "lowrank/gradient_scaling.h"

#include <algorithm>
#include <cmath>

#include "src/core/error.h"

namespace elastiq {

int64_t CountAdapterParams(const ModelConfig& c, const SubnetSpec& s, int rank) {
  const int64_t r = s.rank > 0 ? std::min(s.rank, rank) : rank;
  const int64_t d = s.d_model, hd = c.head_dim();
  const int64_t q = int64_t{s.n_heads(c)} * hd, kv = int64_t{s.n_kv_heads} * hd;
  int64_t n = 0;
  for (int f : s.ffn_dim) {
    // wq (q, d), wk and wv (kv, d), wo (d, q), gate and up (f, d), down (d, f): r (out + in) each.
    n += r * ((q + d) + 2 * (kv + d) + (d + q) + 3 * (int64_t{f} + d));
  }
  return n;
}

double GradientScale(int64_t n_maxnet, int64_t n_subnet, double gamma) {
  ELASTIQ_ASSERT(n_maxnet > 0 && n_subnet > 0);
  return std::pow(static_cast<double>(n_maxnet) / static_cast<double>(n_subnet), gamma);
}

int64_t CountTrainableParams(const ModelConfig& c, const SubnetSpec& s, int rank, bool with_base) {
  return CountAdapterParams(c, s, rank) + (with_base ? CountParams(c, s).total() : 0);
}

std::vector<double> GradientScales(const ModelConfig& c, const std::vector<SubnetSpec>& subnets, int rank, double gamma,
                                   bool with_base) {
  std::vector<double> w;
  if (subnets.empty()) return w;
  const int64_t n1 = CountTrainableParams(c, subnets.front(), rank, with_base);
  for (const SubnetSpec& s : subnets)
    w.push_back(GradientScale(n1, CountTrainableParams(c, s, rank, with_base), gamma));
  return w;
}

}  // namespace elastiq
