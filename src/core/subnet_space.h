// The search space of MLFS and the palette (docs/METHODS.md, Subnets and MLFS): which hidden
// widths, FFN widths, KV-head counts and depths a subnet may take, read from `--space FILE.json`
// and checked to nest inside the teacher; depth policies turn a depth into layer indices; and the
// sandwich-rule sampler that picks the subnets of each training step. LibTorch-free, so the runtime
// can read it too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/core/model_config.h"
#include "src/core/subnet_spec.h"

namespace elastiq {

// How a depth k picks k of the n stored blocks.
enum class DepthPolicy {
  kFirstK,        // 0, 1, ..., k - 1
  kEvenlySpaced,  // first and last kept, the rest spread evenly: round(i (n - 1) / (k - 1))
};
DepthPolicy ParseDepthPolicy(const std::string& name, const std::string& source);  // "first-k" | "evenly-spaced"
const char* DepthPolicyName(DepthPolicy policy);
// Strictly increasing layer indices; asserts 1 <= depth <= n_layers.
std::vector<int> DepthLayers(int n_layers, int depth, DepthPolicy policy);

// Every list is ascending and unique; each value nests inside the teacher.
struct SubnetSpace {
  std::vector<int> d_model;     // hidden widths (prefix of the channels)
  std::vector<int> ffn_dim;     // FFN widths (one per subnet, used by every kept layer)
  std::vector<int> n_kv_heads;  // KV groups kept; query heads follow their group
  std::vector<int> depth;       // stored blocks kept
  DepthPolicy depth_policy = DepthPolicy::kEvenlySpaced;
};

// Half to full width in quarters (rounded to multiples of 8 where the width allows), every KV-head
// count, and half to full depth.
SubnetSpace DefaultSubnetSpace(const ModelConfig& config);
// Parses the JSON form: {"d_model": [...], "ffn_dim": [...], "n_kv_heads": [...] or "n_heads": [...],
// "depth": [...], "depth_policy": "evenly-spaced"}; missing lists take the default's. Validates.
SubnetSpace ParseSubnetSpace(const std::string& json_text, const ModelConfig& config, const std::string& source);
SubnetSpace LoadSubnetSpace(const std::string& path, const ModelConfig& config);
std::string SubnetSpaceToJson(const SubnetSpace& space);
// UserError naming the field when a value does not nest inside `config` (wider than the maxnet,
// query heads not a whole number of KV groups, depth beyond the stored blocks, ...).
void ValidateSubnetSpace(const SubnetSpace& space, const ModelConfig& config, const std::string& source);

// A subnet from one choice per dimension.
SubnetSpec MakeSubnetSpec(const ModelConfig& config, int d_model, int ffn_dim, int n_kv_heads, int depth,
                          DepthPolicy policy, const std::string& name);
// The smallest subnet of the space; `full_depth` keeps every layer (MLFS stage 1: width only).
SubnetSpec SmallestSubnet(const SubnetSpace& space, const ModelConfig& config, bool full_depth);

// The subnets of one training step (sandwich rule): the maxnet first, then the smallest, then
// count - 2 drawn uniformly from the space. A pure function of (seed, step), so resumed runs
// draw the same subnets. With `full_depth` every subnet keeps all layers (stage 1). With `pools`
// (SamplingPools, palette_plan.h) the random ones come from the pools in turn, uniformly within each.
std::vector<SubnetSpec> SampleSandwich(const SubnetSpace& space, const ModelConfig& config, int count, bool full_depth,
                                       uint64_t seed, int64_t step,
                                       const std::vector<std::vector<SubnetSpec>>& pools = {});

}  // namespace elastiq
