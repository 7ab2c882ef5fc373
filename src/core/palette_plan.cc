// Candidate enumeration and per-size budgets for the palette search.
#include "src/core/palette_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

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

std::vector<SubnetSpec> LargestFirst(const SubnetSpace& space, const ModelConfig& c) {
  std::vector<SubnetSpec> all = EnumerateSubnets(space, c);
  std::stable_sort(all.begin(), all.end(), [&](const SubnetSpec& a, const SubnetSpec& b) {
    return CountParams(c, a).total() > CountParams(c, b).total();
  });
  return all;
}

namespace {

// UserError naming `flag` unless size is a fraction in (0, 1]; else the parameters it allows.
int64_t SizeBudget(double size, const ModelConfig& c, const char* flag) {
  if (!(size > 0.0 && size <= 1.0)) {
    char shown[32];
    std::snprintf(shown, sizeof shown, "%g", size);
    throw UserError(std::string(flag) + ": " + shown + " is not a fraction in (0, 1] of the maxnet's parameters");
  }
  return static_cast<int64_t>(std::floor(size * static_cast<double>(CountParams(c, MaxnetSpec(c)).total())));
}

// The first `max` subnets of `largest_first` (optionally skipping the maxnet) within `budget`.
std::vector<SubnetSpec> LargestWithin(const std::vector<SubnetSpec>& largest_first, const ModelConfig& c,
                                      int64_t budget, int max, bool skip_maxnet) {
  std::vector<SubnetSpec> out;
  for (const SubnetSpec& s : largest_first) {
    if (static_cast<int>(out.size()) >= max) break;
    if (CountParams(c, s).total() <= budget && !(skip_maxnet && IsMaxnet(s, c))) out.push_back(s);
  }
  return out;
}

}  // namespace

std::vector<PaletteTarget> PlanPalette(const SubnetSpace& space, const ModelConfig& c, const std::vector<double>& sizes,
                                       int max_candidates) {
  if (sizes.empty())
    throw UserError("--sizes is empty; give fractions of the maxnet's parameters, e.g. --sizes 1 0.5 0.25");
  const int64_t full = CountParams(c, MaxnetSpec(c)).total();
  const std::vector<SubnetSpec> all = LargestFirst(space, c);
  const int64_t smallest = CountParams(c, all.back()).total();
  std::vector<PaletteTarget> targets;
  for (double size : sizes) {
    PaletteTarget t;
    t.size = size;
    t.budget = SizeBudget(size, c, "--sizes");
    t.name = "p" + std::to_string(static_cast<int>(std::lround(size * 100.0)));
    t.candidates = LargestWithin(all, c, t.budget, max_candidates, /*skip_maxnet=*/false);
    if (t.candidates.empty()) {
      throw UserError("--sizes: no subnet of the search space has at most " + std::to_string(t.budget) +
                      " parameters (" + std::to_string(size) + " of " + std::to_string(full) + "); the smallest has " +
                      std::to_string(smallest) + "; ask for a larger size or train with a wider --space");
    }
    for (const PaletteTarget& other : targets) {
      if (other.name == t.name) throw UserError("--sizes: " + t.name + " is requested twice");
    }
    targets.push_back(std::move(t));
  }
  return targets;
}

std::vector<std::vector<SubnetSpec>> SamplingPools(const SubnetSpace& space, const ModelConfig& c,
                                                   const std::vector<double>& sizes, int per_size, bool full_depth) {
  if (sizes.empty()) return {};  // uniform sampling: nothing to enumerate
  SubnetSpace searched = space;
  if (full_depth) searched.depth = {c.n_layers};
  const std::vector<SubnetSpec> all = LargestFirst(searched, c);
  std::vector<std::vector<SubnetSpec>> pools;
  for (double size : sizes) {
    std::vector<SubnetSpec> pool =
        LargestWithin(all, c, SizeBudget(size, c, "--sample-sizes"), per_size, /*skip_maxnet=*/true);
    if (pool.empty()) pool.push_back(SmallestSubnet(space, c, full_depth));
    pools.push_back(std::move(pool));
  }
  return pools;
}

std::vector<std::vector<SubnetSpec>> ExactPools(const std::vector<SubnetSpec>& subnets, const ModelConfig& c,
                                                bool full_depth) {
  std::vector<std::vector<SubnetSpec>> pools;
  for (const SubnetSpec& spec : subnets) {
    if (!full_depth) {
      pools.push_back({spec});
      continue;
    }
    const int ffn = *std::max_element(spec.ffn_dim.begin(), spec.ffn_dim.end());
    pools.push_back({MakeSubnetSpec(c, spec.d_model, ffn, spec.n_kv_heads, c.n_layers, DepthPolicy::kFirstK,
                                    spec.name + "_full_depth")});
  }
  return pools;
}

std::vector<PaletteTarget> PlanRandomPalette(const ModelConfig& config, const std::vector<double>& sizes,
                                             int width_multiple) {
  SubnetSpace space = DefaultSubnetSpace(config);
  for (std::vector<int>* widths : {&space.d_model, &space.ffn_dim}) {
    std::erase_if(*widths, [&](int w) { return w % width_multiple != 0 && w != widths->back(); });
  }
  std::vector<PaletteTarget> targets;
  for (PaletteTarget& t : PlanPalette(space, config, sizes, 1)) {
    if (IsMaxnet(t.candidates.front(), config)) continue;  // the file's "maxnet" entry already
    t.candidates.front().name = t.name;
    targets.push_back(std::move(t));
  }
  return targets;
}

}  // namespace elastiq
