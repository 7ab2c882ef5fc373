// The MobileLLM-style super-transformer in LibTorch (docs/METHODS.md, Super-transformer): pre-norm
// RMSNorm, RoPE, GQA, SwiGLU, tied embeddings, immediate block-wise layer sharing (`repeat`),
// decoder or encoder. Forward takes a SubnetSpec and runs that subnet by slicing prefixes of the
// maxnet weights (views, never copies), so one set of parameters trains and serves every subnet.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "src/core/model_config.h"
#include "src/core/subnet_spec.h"
#include "supernet/transformer_ops.h"

namespace elastiq {

// The linear projections of a block, in the order RunBlock uses them; each may carry an adapter.
enum class Projection { kWq, kWk, kWv, kWo, kGate, kUp, kDown };
inline constexpr int kNumProjections = 7;
const char* ProjectionName(Projection p);  // "wq", "wk", "wv", "wo", "w_gate", "w_up", "w_down"

// One stored block. Parameter names match the file's /weights/layers.<i>.<name>.
struct BlockImpl : torch::nn::Module {
  explicit BlockImpl(const ModelConfig& config);
  torch::Tensor& projection(Projection p);
  torch::Tensor attn_norm, wq, wk, wv, wo, ffn_norm, w_gate, w_up, w_down;
};
TORCH_MODULE(Block);

// Optional hook on every projection weight: returns the effective W[:rows, :cols] a subnet uses,
// given the stored (maxnet) weight `base`. lowrank/ implements it (W0 + (alpha/r) B A, both sliced
// with the same prefix operator), so supernet/ never depends on lowrank/.
class WeightHook {
 public:
  virtual ~WeightHook() = default;
  virtual torch::Tensor Effective(int layer, Projection p, const torch::Tensor& base, int64_t rows, int64_t cols,
                                  const SubnetSpec& spec) = 0;
};

// Optional hook that replaces every matrix product with a simulated quantized one (quant/
// implements W8A8 and ternary, exact for evaluation or fake-quantized with straight-through
// gradients for QAT). `base` is the stored maxnet matrix (per-row scales come from its full rows);
// the product uses its (rows, cols) prefix. The tied embedding is looked up through Embedding.
class LinearHook {
 public:
  virtual ~LinearHook() = default;
  virtual torch::Tensor Linear(const torch::Tensor& x, const torch::Tensor& base, int64_t rows, int64_t cols,
                               const std::string& weight_name) = 0;
  virtual torch::Tensor Embedding(const torch::Tensor& embed) = 0;  // the (vocab, d_model) table used
};

// Keys and values of the tokens fed so far, one pair per executed (virtual) block, for decoding a
// token at a time without recomputing the context (the LibTorch side of `elastiq bench`).
struct DecodeCache {
  std::vector<torch::Tensor> k, v;  // (B, KV, position, head_dim)
  int64_t position = 0;             // tokens fed so far
};

struct ForwardOptions {
  torch::Tensor key_padding;                     // encoder: (B, T) bool, true at padding
  std::vector<torch::Tensor>* hidden = nullptr;  // if set: residual stream after each executed block
  // Decoder: if set, `ids` continue the cached context (a whole prompt into an empty cache, or one
  // token at a time after it) and the cache grows by them.
  DecodeCache* cache = nullptr;
};

class SuperTransformerImpl : public torch::nn::Module {
 public:
  explicit SuperTransformerImpl(const ModelConfig& config);
  const ModelConfig& config() const { return config_; }

  // ids: (B, T) int64. Decoder: logits (B, T, vocab). Encoder: class logits (B, n_classes).
  torch::Tensor forward(const torch::Tensor& ids, const SubnetSpec& spec, const ForwardOptions& options = {});
  // Initializes like GPT-2/Llama: N(0, 0.02), output projections scaled by 1/sqrt(2 * depth).
  void ResetParameters(uint64_t seed);
  // Not owned; nullptr (the default) runs the stored weights as they are.
  void SetWeightHook(WeightHook* hook) { hook_ = hook; }
  // Not owned; nullptr (the default) runs every product in floating point. Applies to the stored
  // weights: merge adapters (WeightHook) before quantizing.
  void SetLinearHook(LinearHook* hook) { linear_hook_ = hook; }
  // The weight one projection of `layer` has in `spec`: (rows, cols) prefix, through the hook if set.
  torch::Tensor ProjectionWeight(int layer, Projection p, int64_t rows, int64_t cols, const SubnetSpec& spec);

  torch::Tensor embed, final_norm, cls_head;
  std::vector<Block> blocks;

 private:
  // x times the projection's (rows, cols) weight, through the linear hook if set.
  torch::Tensor Project(int layer, Projection p, const torch::Tensor& x, int64_t rows, int64_t cols,
                        const SubnetSpec& spec);
  torch::Tensor RunBlock(int layer, const torch::Tensor& x, const SubnetSpec& spec, int ffn, const RopeTables& rope,
                         const ForwardOptions& options, size_t virtual_layer);
  ModelConfig config_;
  WeightHook* hook_ = nullptr;
  LinearHook* linear_hook_ = nullptr;
};
TORCH_MODULE(SuperTransformer);

// Freezes every parameter of the model (W0, embeddings, norms): a frozen teacher, or a model of
// which only added parameters (MLFS's adapters and feature projections) train.
void FreezeModel(SuperTransformer& model);

}  // namespace elastiq
