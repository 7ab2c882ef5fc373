// SubnetSpec construction, validation against the maxnet, JSON form and parameter counting.
#include "src/core/subnet_spec.h"

#include <nlohmann/json.hpp>

#include "src/core/error.h"
#include "src/core/json_fields.h"

namespace elastiq {

using nlohmann::json;

SubnetSpec MaxnetSpec(const ModelConfig& c, const std::string& name) {
  SubnetSpec s;
  s.name = name;
  for (int i = 0; i < c.n_layers; ++i) s.layers.push_back(i);
  s.d_model = c.d_model;
  s.ffn_dim.assign(c.n_layers, c.ffn_dim);
  s.n_kv_heads = c.n_kv_heads;
  return s;
}

bool IsMaxnet(const SubnetSpec& s, const ModelConfig& c) {
  SubnetSpec m = MaxnetSpec(c);
  return s.layers == m.layers && s.d_model == m.d_model && s.ffn_dim == m.ffn_dim && s.n_kv_heads == m.n_kv_heads &&
         s.rank == 0;
}

void ValidateSubnetSpec(const SubnetSpec& s, const ModelConfig& c, const std::string& source) {
  const std::string where = source + ": subnet \"" + s.name + "\"";
  if (s.layers.empty()) throw UserError(where + ": needs at least one layer");
  for (size_t i = 0; i < s.layers.size(); ++i) {
    if (s.layers[i] < 0 || s.layers[i] >= c.n_layers) {
      throw UserError(where + ": layer index " + std::to_string(s.layers[i]) + " is outside the supernet's " +
                      std::to_string(c.n_layers) + " layers");
    }
    if (i > 0 && s.layers[i] <= s.layers[i - 1]) {
      throw UserError(where + ": layer indices must be strictly increasing");
    }
  }
  if (s.d_model <= 0 || s.d_model > c.d_model) {
    throw UserError(where + ": d_model " + std::to_string(s.d_model) + " must be in 1.." + std::to_string(c.d_model));
  }
  if (s.ffn_dim.size() != s.layers.size()) {
    throw UserError(where + ": ffn_dim lists " + std::to_string(s.ffn_dim.size()) + " widths for " +
                    std::to_string(s.layers.size()) + " layers");
  }
  for (int f : s.ffn_dim) {
    if (f <= 0 || f > c.ffn_dim) {
      throw UserError(where + ": ffn width " + std::to_string(f) + " must be in 1.." + std::to_string(c.ffn_dim));
    }
  }
  if (s.n_kv_heads <= 0 || s.n_kv_heads > c.n_kv_heads) {
    throw UserError(where + ": n_kv_heads " + std::to_string(s.n_kv_heads) + " must be in 1.." +
                    std::to_string(c.n_kv_heads));
  }
  if (s.rank < 0) throw UserError(where + ": rank must be >= 0");
}

std::string SubnetSpecToJson(const SubnetSpec& s) {
  json j = {{"name", s.name},       {"layers", s.layers},         {"d_model", s.d_model},
            {"ffn_dim", s.ffn_dim}, {"n_kv_heads", s.n_kv_heads}, {"rank", s.rank}};
  return j.dump();
}

SubnetSpec ParseSubnetSpec(const std::string& json_text, const std::string& source) {
  const json j = ParseJsonObject(json_text, source, " (a subnet spec)");
  SubnetSpec s;
  s.name = RequireString(j, "name", source);
  s.layers = RequireIntList(j, "layers", source);
  s.d_model = RequireInt(j, "d_model", source);
  s.ffn_dim = RequireIntList(j, "ffn_dim", source);
  s.n_kv_heads = RequireInt(j, "n_kv_heads", source);
  s.rank = OptionalInt(j, "rank", source, 0);
  return s;
}

ParamCount CountParams(const ModelConfig& c, const SubnetSpec& s) {
  ParamCount p;
  const int64_t d = s.d_model, hd = c.head_dim();
  const int64_t q_width = int64_t{s.n_heads(c)} * hd, kv_width = int64_t{s.n_kv_heads} * hd;
  p.embedding = int64_t{c.vocab_size} * d;
  for (size_t i = 0; i < s.layers.size(); ++i) {
    const int64_t f = s.ffn_dim[i];
    p.blocks += 2 * d;                                         // attention and FFN RMSNorm weights
    p.blocks += d * q_width + 2 * d * kv_width + q_width * d;  // wq, wk, wv, wo
    p.blocks += 3 * d * f;                                     // gate, up, down
  }
  p.head = d;  // final norm
  if (c.is_encoder()) p.head += int64_t{c.n_classes} * d;
  return p;
}

}  // namespace elastiq
