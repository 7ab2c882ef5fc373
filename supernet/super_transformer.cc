// Forward of any subnet by prefix slicing: x (B, T, d') through the kept blocks, each `repeat` times.
#include "supernet/super_transformer.h"

#include <cmath>

#include "src/format/weight_layout.h"
#include "supernet/transformer_ops.h"

namespace elastiq {

BlockImpl::BlockImpl(const ModelConfig& c) {
  const int64_t d = c.d_model, f = c.ffn_dim, q = int64_t{c.n_heads} * c.head_dim(),
                kv = int64_t{c.n_kv_heads} * c.head_dim();
  attn_norm = register_parameter("attn_norm", torch::ones({d}));
  wq = register_parameter("wq", torch::empty({q, d}));
  wk = register_parameter("wk", torch::empty({kv, d}));
  wv = register_parameter("wv", torch::empty({kv, d}));
  wo = register_parameter("wo", torch::empty({d, q}));
  ffn_norm = register_parameter("ffn_norm", torch::ones({d}));
  w_gate = register_parameter("w_gate", torch::empty({f, d}));
  w_up = register_parameter("w_up", torch::empty({f, d}));
  w_down = register_parameter("w_down", torch::empty({d, f}));
}

const char* ProjectionName(Projection p) {
  static const char* kNames[kNumProjections] = {"wq", "wk", "wv", "wo", "w_gate", "w_up", "w_down"};
  return kNames[static_cast<int>(p)];
}

torch::Tensor& BlockImpl::projection(Projection p) {
  torch::Tensor* all[kNumProjections] = {&wq, &wk, &wv, &wo, &w_gate, &w_up, &w_down};
  return *all[static_cast<int>(p)];
}

SuperTransformerImpl::SuperTransformerImpl(const ModelConfig& c) : config_(c) {
  embed = register_parameter("embed", torch::empty({c.vocab_size, c.d_model}));
  auto list = register_module("layers", torch::nn::ModuleList());
  for (int i = 0; i < c.n_layers; ++i) {
    blocks.push_back(Block(c));
    list->push_back(blocks.back());
  }
  final_norm = register_parameter("final_norm", torch::ones({c.d_model}));
  if (c.is_encoder()) cls_head = register_parameter("cls_head", torch::empty({c.n_classes, c.d_model}));
  ResetParameters(0);
}

void SuperTransformerImpl::ResetParameters(uint64_t seed) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(seed);
  const double std = 0.02;
  const double out_std = std / std::sqrt(2.0 * config_.n_layers * config_.repeat);
  embed.normal_(0.0, std);
  for (Block& b : blocks) {
    b->attn_norm.fill_(1.0);
    b->ffn_norm.fill_(1.0);
    for (torch::Tensor* w : {&b->wq, &b->wk, &b->wv, &b->w_gate, &b->w_up}) w->normal_(0.0, std);
    b->wo.normal_(0.0, out_std);
    b->w_down.normal_(0.0, out_std);
  }
  final_norm.fill_(1.0);
  if (cls_head.defined()) cls_head.normal_(0.0, std);
}

torch::Tensor SuperTransformerImpl::ProjectionWeight(int layer, Projection p, int64_t rows, int64_t cols,
                                                     const SubnetSpec& spec) {
  const torch::Tensor& base = blocks[static_cast<size_t>(layer)]->projection(p);
  return hook_ ? hook_->Effective(layer, p, base, rows, cols, spec) : PrefixView(base, rows, cols);
}

torch::Tensor SuperTransformerImpl::Project(int layer, Projection p, const torch::Tensor& x, int64_t rows, int64_t cols,
                                            const SubnetSpec& spec) {
  if (!linear_hook_) return torch::linear(x, ProjectionWeight(layer, p, rows, cols, spec));
  return linear_hook_->Linear(x, blocks[static_cast<size_t>(layer)]->projection(p), rows, cols,
                              LayerWeightName(layer, ProjectionName(p)));
}

torch::Tensor SuperTransformerImpl::RunBlock(int layer, const torch::Tensor& x, const SubnetSpec& spec, int ffn,
                                             const RopeTables& rope, const ForwardOptions& options,
                                             size_t virtual_layer) {
  const Block& b = blocks[static_cast<size_t>(layer)];
  const int64_t B = x.size(0), T = x.size(1), d = spec.d_model, hd = config_.head_dim();
  const int64_t H = spec.n_heads(config_), KV = spec.n_kv_heads;
  torch::Tensor h = RmsNorm(x, b->attn_norm.narrow(0, 0, d), config_.norm_eps);
  auto proj = [&](Projection p, const torch::Tensor& in, int64_t rows, int64_t cols) {
    return Project(layer, p, in, rows, cols, spec);
  };
  torch::Tensor q = proj(Projection::kWq, h, H * hd, d).view({B, T, H, hd}).transpose(1, 2);
  torch::Tensor k = proj(Projection::kWk, h, KV * hd, d).view({B, T, KV, hd}).transpose(1, 2);
  torch::Tensor v = proj(Projection::kWv, h, KV * hd, d).view({B, T, KV, hd}).transpose(1, 2);
  q = ApplyRope(q, rope);
  k = ApplyRope(k, rope);
  bool causal = !config_.is_encoder();
  if (DecodeCache* cache = options.cache) {
    if (cache->k.size() <= virtual_layer) {
      cache->k.push_back(k);
      cache->v.push_back(v);
    } else {
      k = cache->k[virtual_layer] = torch::cat({cache->k[virtual_layer], k}, 2);
      v = cache->v[virtual_layer] = torch::cat({cache->v[virtual_layer], v}, 2);
      causal = false;  // one new token (forward checks): it sees every cached one
    }
  }
  torch::Tensor attn = GroupedQueryAttention(q, k, v, causal, options.key_padding);
  torch::Tensor out = x + proj(Projection::kWo, attn, d, H * hd).to(torch::kFloat);
  h = RmsNorm(out, b->ffn_norm.narrow(0, 0, d), config_.norm_eps);
  torch::Tensor swiglu = torch::silu(proj(Projection::kGate, h, ffn, d)) * proj(Projection::kUp, h, ffn, d);
  return out + proj(Projection::kDown, swiglu, d, ffn).to(torch::kFloat);
}

torch::Tensor SuperTransformerImpl::forward(const torch::Tensor& ids, const SubnetSpec& spec,
                                            const ForwardOptions& options) {
  TORCH_CHECK(ids.dim() == 2, "ids must be (batch, time)");
  const int64_t T = ids.size(1), d = spec.d_model;
  torch::Tensor emb = (linear_hook_ ? linear_hook_->Embedding(embed) : embed).narrow(1, 0, d);
  torch::Tensor x = torch::embedding(emb, ids).to(torch::kFloat);  // (B, T, d')
  const int64_t past = options.cache ? options.cache->position : 0;
  TORCH_CHECK(!options.cache || (!config_.is_encoder() && (past == 0 || T == 1)),
              "a decode cache takes a decoder's whole prompt first, then one token at a time");
  TORCH_CHECK(past + T <= config_.max_seq_len, "context longer than max_seq_len");
  RopeTables rope = MakeRopeTables(T, config_.head_dim(), config_.rope_theta, past);
  size_t virtual_layer = 0;
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    for (int r = 0; r < config_.repeat; ++r) {
      x = RunBlock(spec.layers[i], x, spec, spec.ffn_dim[i], rope, options, virtual_layer++);
      if (options.hidden) options.hidden->push_back(x);
    }
  }
  if (options.cache) options.cache->position += T;
  x = RmsNorm(x, final_norm.narrow(0, 0, d), config_.norm_eps);
  if (!config_.is_encoder()) {
    if (linear_hook_) return linear_hook_->Linear(x, embed, config_.vocab_size, d, "embed").to(torch::kFloat);
    return torch::linear(x, emb).to(torch::kFloat);
  }
  // Mean over non-padding positions, then the classifier.
  torch::Tensor keep = options.key_padding.defined() ? (~options.key_padding).to(torch::kFloat).unsqueeze(-1)
                                                     : torch::ones({x.size(0), T, 1});
  torch::Tensor pooled = (x * keep).sum(1) / keep.sum(1).clamp_min(1.0);
  return torch::linear(pooled, cls_head.narrow(1, 0, d)).to(torch::kFloat);
}

void FreezeModel(SuperTransformer& model) {
  for (auto& p : model->parameters()) p.set_requires_grad(false);
}

}  // namespace elastiq
