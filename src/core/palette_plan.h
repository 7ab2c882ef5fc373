// Planning a palette without LibTorch: every subnet of the search space, and for each requested
// size (a fraction of the maxnet's parameters) the largest candidates within that budget, which the
// search then scores on validation data. Requests no subnet can meet are user errors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/core/subnet_space.h"

namespace elastiq {

// The maxnet first, then every (d_model, ffn_dim, n_kv_heads, depth) of the space not equal to it.
std::vector<SubnetSpec> EnumerateSubnets(const SubnetSpace& space, const ModelConfig& config);

// EnumerateSubnets ordered by parameters, most first (stable: the maxnet leads when it is in the space).
std::vector<SubnetSpec> LargestFirst(const SubnetSpace& space, const ModelConfig& config);

struct PaletteTarget {
  std::string name;                    // "p100", "p67", ... (percent of the maxnet's parameters)
  double size = 1.0;                   // requested fraction of the maxnet's parameters
  int64_t budget = 0;                  // parameters allowed
  std::vector<SubnetSpec> candidates;  // within budget, largest first, at most max_candidates
};

// UserError for an empty list, a size outside (0, 1], or one below the space's smallest subnet.
std::vector<PaletteTarget> PlanPalette(const SubnetSpace& space, const ModelConfig& config,
                                       const std::vector<double>& sizes, int max_candidates);

// A palette without training (`elastiq init --random --sizes`): for each size below 1, the largest
// subnet of the default search space within that share of the parameters, named like the target
// ("p50"), with hidden and FFN widths kept to multiples of `width_multiple` (the packed formats' 32)
// so every format runs it. Sizes whose largest subnet is the maxnet are left out.
std::vector<PaletteTarget> PlanRandomPalette(const ModelConfig& config, const std::vector<double>& sizes,
                                             int width_multiple);

// MLFS --sample-sizes: for each size the subnets the palette search will weigh for it (its `per_size`
// largest within budget, the maxnet left out), so training concentrates on the shapes to be shipped.
// With `full_depth` (stage 1) only full-depth subnets count; a size none of them meets gets the
// smallest full-depth subnet. UserError for a size outside (0, 1].
std::vector<std::vector<SubnetSpec>> SamplingPools(const SubnetSpace& space, const ModelConfig& config,
                                                   const std::vector<double>& sizes, int per_size, bool full_depth);

// MLFS --sample-palette: one pool per given subnet, so the sampler draws each in turn (the shapes to be
// shipped, trained every step when --subnets-per-step leaves room for all). With `full_depth` (stage 1)
// each keeps its hidden width and KV heads at every layer, with its widest FFN.
std::vector<std::vector<SubnetSpec>> ExactPools(const std::vector<SubnetSpec>& subnets, const ModelConfig& config,
                                                bool full_depth);

}  // namespace elastiq
