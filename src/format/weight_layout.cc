// Canonical tensor names and shapes of the MobileLLM-style super-transformer.
#include "src/format/weight_layout.h"

namespace elastiq {

std::string LayerWeightName(int layer, const char* tensor) { return "layers." + std::to_string(layer) + "." + tensor; }

std::vector<WeightShape> MaxnetWeightShapes(const ModelConfig& c) {
  const int64_t d = c.d_model, f = c.ffn_dim, hd = c.head_dim();
  const int64_t q = int64_t{c.n_heads} * hd, kv = int64_t{c.n_kv_heads} * hd;
  std::vector<WeightShape> w;
  w.push_back({"embed", {c.vocab_size, d}});  // tied: also the LM head
  for (int i = 0; i < c.n_layers; ++i) {
    w.push_back({LayerWeightName(i, "attn_norm"), {d}});
    w.push_back({LayerWeightName(i, "wq"), {q, d}});
    w.push_back({LayerWeightName(i, "wk"), {kv, d}});
    w.push_back({LayerWeightName(i, "wv"), {kv, d}});
    w.push_back({LayerWeightName(i, "wo"), {d, q}});
    w.push_back({LayerWeightName(i, "ffn_norm"), {d}});
    w.push_back({LayerWeightName(i, "w_gate"), {f, d}});
    w.push_back({LayerWeightName(i, "w_up"), {f, d}});
    w.push_back({LayerWeightName(i, "w_down"), {d, f}});
  }
  w.push_back({"final_norm", {d}});
  if (c.is_encoder()) w.push_back({"cls_head", {c.n_classes, d}});
  return w;
}

}  // namespace elastiq
