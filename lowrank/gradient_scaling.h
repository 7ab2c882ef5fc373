// MLFS gradient scaling (docs/METHODS.md, MLFS): the step applies sum_j (n_1 / n_j)^gamma grad L_j,
// n_1 the trainable parameters of the maxnet and n_j of subnet j, so small subnets converge as fast
// as the maxnet. Trainable parameters are the adapter factors a subnet's slice touches (and its
// base weights when those train too). LibTorch-free.
#pragma once

#include <cstdint>
#include <vector>

#include "src/core/model_config.h"
#include "src/core/subnet_spec.h"

namespace elastiq {

// sum over kept stored layers and the 7 projections of r' (out' + in'): B[:out', :r'] and A[:r', :in'].
// r' = spec.rank (0: the full `rank`). Repeats share their block's adapters, so they count once.
int64_t CountAdapterParams(const ModelConfig& config, const SubnetSpec& spec, int rank);
// (n_maxnet / n_subnet)^gamma; gamma = 0 gives 1 (no scaling), gamma < 0 weighs smaller subnets less.
double GradientScale(int64_t n_maxnet, int64_t n_subnet, double gamma);
// The parameters a subnet's step trains: its adapter slices, plus its base weights if `with_base`
// (mlfs --train-base).
int64_t CountTrainableParams(const ModelConfig& config, const SubnetSpec& spec, int rank, bool with_base);
// One weight per subnet, relative to subnets[0] (the maxnet, weight 1).
std::vector<double> GradientScales(const ModelConfig& config, const std::vector<SubnetSpec>& subnets, int rank,
                                   double gamma, bool with_base = false);

}  // namespace elastiq
