// Depth policies, the search-space JSON with nesting checks, and the sandwich-rule sampler.
#include "src/core/subnet_space.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/hashing.h"
#include "src/core/json_fields.h"

namespace elastiq {
namespace {

using nlohmann::json;

// Quarters q/4 of `full` for q in [first_quarter, 4], deduplicated, never 0.
std::vector<int> Quarters(int full, int first_quarter) {
  std::vector<int> out;
  for (int q = first_quarter; q <= 4; ++q) {
    const int v = std::max(1, full * q / 4);
    if (out.empty() || out.back() != v) out.push_back(v);
  }
  return out;
}

// A non-empty list of integers, sorted and deduplicated.
std::vector<int> IntList(const json& j, const char* key, const std::string& source) {
  std::vector<int> out = RequireIntList(j, key, source);
  if (out.empty()) throw UserError(source + ": field \"" + key + "\" must be a non-empty array of integers, got []");
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void CheckRange(const std::vector<int>& values, const char* field, int max, const char* what,
                const std::string& source) {
  if (values.empty()) throw UserError(source + ": field \"" + field + "\" is empty; list at least one value");
  for (int v : values) {
    if (v <= 0 || v > max) {
      throw UserError(source + ": field \"" + field + "\" has " + std::to_string(v) + ", outside 1.." +
                      std::to_string(max) + " (" + what + "); a subnet must nest inside the teacher");
    }
  }
}

uint64_t StepSeed(uint64_t seed, int64_t step) {
  return SplitMix64(seed ^ SplitMix64(static_cast<uint64_t>(step) + 0x5eed));
}

template <typename T, typename Rng>
const T& Pick(const std::vector<T>& values, Rng& rng) {
  return values[static_cast<size_t>(rng() % values.size())];
}

}  // namespace

DepthPolicy ParseDepthPolicy(const std::string& name, const std::string& source) {
  if (name == "first-k") return DepthPolicy::kFirstK;
  if (name == "evenly-spaced") return DepthPolicy::kEvenlySpaced;
  throw UserError(source + ": depth policy must be \"first-k\" or \"evenly-spaced\", got \"" + name + "\"");
}

const char* DepthPolicyName(DepthPolicy policy) { return policy == DepthPolicy::kFirstK ? "first-k" : "evenly-spaced"; }

std::vector<int> DepthLayers(int n_layers, int depth, DepthPolicy policy) {
  ELASTIQ_ASSERT(depth >= 1 && depth <= n_layers, "depth " + std::to_string(depth) + " of " + std::to_string(n_layers));
  std::vector<int> layers;
  for (int i = 0; i < depth; ++i) {
    if (policy == DepthPolicy::kFirstK || depth == 1) {
      layers.push_back(i);
    } else {
      // Spacing (n - 1) / (k - 1) >= 1, so rounding keeps the indices strictly increasing.
      const double at = static_cast<double>(i) * (n_layers - 1) / (depth - 1);
      layers.push_back(static_cast<int>(std::lround(at)));
    }
  }
  return layers;
}

SubnetSpace DefaultSubnetSpace(const ModelConfig& c) {
  SubnetSpace s;
  s.d_model = Quarters(c.d_model, 2);
  s.ffn_dim = Quarters(c.ffn_dim, 1);
  for (int k = 1; k <= c.n_kv_heads; ++k) s.n_kv_heads.push_back(k);
  for (int k = (c.n_layers + 1) / 2; k <= c.n_layers; ++k) s.depth.push_back(k);
  return s;
}

void ValidateSubnetSpace(const SubnetSpace& s, const ModelConfig& c, const std::string& source) {
  CheckRange(s.d_model, "d_model", c.d_model, "the teacher's hidden width", source);
  CheckRange(s.ffn_dim, "ffn_dim", c.ffn_dim, "the teacher's FFN width", source);
  CheckRange(s.n_kv_heads, "n_kv_heads", c.n_kv_heads, "the teacher's KV heads", source);
  CheckRange(s.depth, "depth", c.n_layers, "the teacher's stored layers", source);
}

SubnetSpace ParseSubnetSpace(const std::string& json_text, const ModelConfig& c, const std::string& source) {
  const json j =
      ParseJsonObject(json_text, source,
                      "; a search space looks like "
                      "{\"d_model\": [64, 128], \"ffn_dim\": [192, 384], \"n_kv_heads\": [1, 2], \"depth\": [4, 6]}");
  for (auto it = j.begin(); it != j.end(); ++it) {
    static const char* kKnown[] = {"d_model", "ffn_dim", "n_kv_heads", "n_heads", "depth", "depth_policy"};
    if (std::none_of(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return it.key() == k; })) {
      throw UserError(source + ": unknown field \"" + it.key() +
                      "\"; a search space has d_model, ffn_dim, n_kv_heads (or n_heads), depth, depth_policy");
    }
  }
  SubnetSpace s = DefaultSubnetSpace(c);
  if (j.contains("d_model")) s.d_model = IntList(j, "d_model", source);
  if (j.contains("ffn_dim")) s.ffn_dim = IntList(j, "ffn_dim", source);
  if (j.contains("depth")) s.depth = IntList(j, "depth", source);
  if (j.contains("n_kv_heads") && j.contains("n_heads")) {
    throw UserError(source + ": give either \"n_kv_heads\" or \"n_heads\", not both");
  }
  if (j.contains("n_kv_heads")) s.n_kv_heads = IntList(j, "n_kv_heads", source);
  if (j.contains("n_heads")) {
    s.n_kv_heads.clear();
    for (int h : IntList(j, "n_heads", source)) {
      if (h <= 0 || h % c.group_size() != 0) {
        throw UserError(source + ": field \"n_heads\" has " + std::to_string(h) + ", not a multiple of the teacher's " +
                        std::to_string(c.group_size()) +
                        " query heads per KV group (n_heads / n_kv_heads = " + std::to_string(c.n_heads) + " / " +
                        std::to_string(c.n_kv_heads) + "); query heads are kept by whole groups");
      }
      s.n_kv_heads.push_back(h / c.group_size());
    }
  }
  if (j.contains("depth_policy")) {
    s.depth_policy = ParseDepthPolicy(RequireString(j, "depth_policy", source), source + " field \"depth_policy\"");
  }
  ValidateSubnetSpace(s, c, source);
  return s;
}

SubnetSpace LoadSubnetSpace(const std::string& path, const ModelConfig& config) {
  return ParseSubnetSpace(ReadFileBytes(path), config, path);
}

std::string SubnetSpaceToJson(const SubnetSpace& s) {
  json j = {{"d_model", s.d_model},
            {"ffn_dim", s.ffn_dim},
            {"n_kv_heads", s.n_kv_heads},
            {"depth", s.depth},
            {"depth_policy", DepthPolicyName(s.depth_policy)}};
  return j.dump();
}

SubnetSpec MakeSubnetSpec(const ModelConfig& c, int d_model, int ffn_dim, int n_kv_heads, int depth, DepthPolicy policy,
                          const std::string& name) {
  SubnetSpec s;
  s.name = name;
  s.layers = DepthLayers(c.n_layers, depth, policy);
  s.d_model = d_model;
  s.ffn_dim.assign(s.layers.size(), ffn_dim);
  s.n_kv_heads = n_kv_heads;
  ValidateSubnetSpec(s, c, "subnet space");
  return s;
}

SubnetSpec SmallestSubnet(const SubnetSpace& s, const ModelConfig& c, bool full_depth) {
  return MakeSubnetSpec(c, s.d_model.front(), s.ffn_dim.front(), s.n_kv_heads.front(),
                        full_depth ? c.n_layers : s.depth.front(), s.depth_policy, "smallest");
}

std::vector<SubnetSpec> SampleSandwich(const SubnetSpace& s, const ModelConfig& c, int count, bool full_depth,
                                       uint64_t seed, int64_t step, const std::vector<std::vector<SubnetSpec>>& pools) {
  ELASTIQ_ASSERT(count >= 1);
  std::vector<SubnetSpec> out = {MaxnetSpec(c)};
  if (count >= 2) out.push_back(SmallestSubnet(s, c, full_depth));
  std::mt19937_64 rng(StepSeed(seed, step));
  for (int i = 2; i < count; ++i) {
    if (!pools.empty()) {
      const std::vector<SubnetSpec>& pool = pools[static_cast<size_t>(step * (count - 2) + i - 2) % pools.size()];
      ELASTIQ_ASSERT(!pool.empty());
      out.push_back(Pick(pool, rng));
      continue;
    }
    const int d = Pick(s.d_model, rng), f = Pick(s.ffn_dim, rng), kv = Pick(s.n_kv_heads, rng);
    const int depth = full_depth ? c.n_layers : Pick(s.depth, rng);
    out.push_back(MakeSubnetSpec(c, d, f, kv, depth, s.depth_policy, "random" + std::to_string(i - 1)));
  }
  return out;
}

}  // namespace elastiq
