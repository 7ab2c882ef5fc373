// Candidate enumeration and per-size budgets for the palette search.
#include "src/core/palette_plan.h"

#include <algorithm>
#include <cmath>

#include "src/core/error.h"

namespace elastiq {

std::vector<SubnetSpec> EnumerateSubnets(const SubnetSpace& s, const ModelConfig& c) {
  std::vector<SubnetSpec> out = {MaxnetSpec(c)};
  for (int depth : s.depth) {
    for (int d : s.d_model) {
      for (int f : s.ffn_dim) {
        for (int kv : s.n_kv_heads) {
          SubnetSpec spec = MakeSubnetSpec(c, d, f, kv, depth, s.depth_policy,
                                           "d" + std::to_string(d) + "_f" + std::to_string(f) + "_kv" +
                                               std::to_string(kv) + "_l" + std::to_string(depth));
          if (!IsMaxnet(spec, c)) out.push_back(std::move(spec));
        }
      }
    }
  }
  return out;
}

std::vector<PaletteTarget> PlanPalette(const SubnetSpace& space, const ModelConfig& c, const std::vector<double>& sizes,
                                       int max_candidates) {
  if (sizes.empty()) throw UserError("--sizes is empty; give fractions of the maxnet's parameters, e.g. --sizes 1 0.5 0.25");
  const int64_t full = CountParams(c, MaxnetSpec(c)).total();
  std::vector<SubnetSpec> all = EnumerateSubnets(space, c);
  std::stable_sort(all.begin(), all.end(), [&](const SubnetSpec& a, const SubnetSpec& b) {
    return CountParams(c, a).total() > CountParams(c, b).total();
  });
  const int64_t smallest = CountParams(c, all.back()).total();
  std::vector<PaletteTarget> targets;
  for (double size : sizes) {
    if (!(size > 0.0 && size <= 1.0)) {
      throw UserError("--sizes: " + std::to_string(size) + " is not a fraction in (0, 1] of the maxnet's parameters");
    }
    PaletteTarget t;
    t.size = size;
    t.budget = static_cast<int64_t>(std::floor(size * static_cast<double>(full)));
    t.name = "p" + std::to_string(static_cast<int>(std::lround(size * 100.0)));
    for (const SubnetSpec& s : all) {
      if (CountParams(c, s).total() <= t.budget && static_cast<int>(t.candidates.size()) < max_candidates) {
        t.candidates.push_back(s);
      }
    }
    if (t.candidates.empty()) {
      throw UserError("--sizes: no subnet of the search space has at most " + std::to_string(t.budget) + " parameters (" +
                      std::to_string(size) + " of " + std::to_string(full) + "); the smallest has " +
                      std::to_string(smallest) + "; ask for a larger size or train with a wider --space");
    }
    for (const PaletteTarget& other : targets) {
      if (other.name == t.name) throw UserError("--sizes: " + t.name + " is requested twice");
    }
    targets.push_back(std::move(t));
  }
  return targets;
}

}  // namespace elastiq
