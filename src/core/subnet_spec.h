// A subnet of the supernet (docs/METHODS.md, Subnets): which stored blocks run, and the prefix
// widths of hidden channels, FFN neurons and KV-head groups. Every subnet runs from the maxnet's
// weights by slicing prefixes, so a spec is all a palette entry needs to describe its model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/core/model_config.h"

namespace elastiq {

struct SubnetSpec {
  std::string name;
  std::vector<int> layers;   // stored-block indices, strictly increasing
  int d_model = 0;           // prefix of the hidden channels
  std::vector<int> ffn_dim;  // per kept layer: prefix of the FFN neurons
  int n_kv_heads = 0;        // prefix of KV groups; query heads follow their group
  int rank = 0;              // prefix of the low-rank adapter rank (0: the adapter's full rank)

  int n_heads(const ModelConfig& c) const { return n_kv_heads * c.group_size(); }
};

// The whole supernet: every layer, full widths.
SubnetSpec MaxnetSpec(const ModelConfig& config, const std::string& name = "maxnet");
bool IsMaxnet(const SubnetSpec& spec, const ModelConfig& config);

// Throws UserError when the spec does not nest inside the config (`source` names where it came from).
void ValidateSubnetSpec(const SubnetSpec& spec, const ModelConfig& config, const std::string& source);

std::string SubnetSpecToJson(const SubnetSpec& spec);
SubnetSpec ParseSubnetSpec(const std::string& json_text, const std::string& source);

struct ParamCount {
  int64_t embedding = 0;  // tied token embedding / LM head (sliced to d_model)
  int64_t blocks = 0;     // attention + FFN + norms of the kept layers (stored once, shared by repeats)
  int64_t head = 0;       // final norm + encoder classifier
  int64_t total() const { return embedding + blocks + head; }
  int64_t non_embedding() const { return blocks + head; }
};
ParamCount CountParams(const ModelConfig& config, const SubnetSpec& spec);

}  // namespace elastiq
