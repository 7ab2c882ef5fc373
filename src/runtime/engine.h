// The LibTorch-free inference engine: runs one palette entry (a SubnetSpec) of a mapped model
// file with a KV cache. Prefill feeds many tokens at once (GEMM), decode one at a time (GEMV).
// Decoders return next-token logits; encoders classify a whole sequence.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "src/core/subnet_spec.h"
#include "src/runtime/linear.h"
#include "src/runtime/weight_store.h"

namespace elastiq {

struct EngineOptions {
  int threads = 0;  // <= 0: one per core
  int context = 0;  // KV-cache length in tokens; <= 0: the model's max_seq_len
  WeightFormat format = WeightFormat::kF32;
};

class Engine {
 public:
  Engine(const WeightStore& store, const SubnetSpec& spec, const EngineOptions& options);
  ~Engine();

  const SubnetSpec& spec() const { return spec_; }
  int position() const { return position_; }
  int context() const { return context_; }
  const char* isa_name() const;
  WeightFormat format() const { return format_; }
  int threads() const { return pool_->size(); }
  void Reset() { position_ = 0; }

  // Decoder: appends `tokens` to the context and returns the logits after the last one (vocab,).
  // With all_logits, returns (tokens.size(), vocab) logits instead. UserError if the context
  // would overflow.
  std::span<const float> Feed(std::span<const int> tokens, bool all_logits = false);
  // Encoder: class logits (n_classes,) for one sequence (resets the context first).
  std::vector<float> Classify(std::span<const int> tokens);

  // Bytes of weights one decode step reads (for the bandwidth roofline), and of KV cache + scratch.
  int64_t weight_bytes_per_token() const;
  int64_t state_bytes() const;

 private:
  struct Layer;
  void Forward(std::span<const int> tokens, bool causal);
  void Attention(int virtual_layer, int64_t tokens, bool causal);
  Linear MakeLinear(const std::string& weight, int64_t rows, int64_t cols, WeightFormat format) const;
  void EmbedToken(int id, float* out) const;

  const WeightStore& store_;
  ModelConfig config_;
  SubnetSpec spec_;
  std::unique_ptr<ThreadPool> pool_;
  ExecContext ctx_;
  std::vector<Layer> layers_;  // one per kept layer
  WeightFormat format_;
  const float* final_norm_ = nullptr;
  Linear lm_head_, cls_head_;  // lm_head_ is the (tied) embedding matrix
  int context_ = 0;
  int position_ = 0;
  int64_t d_ = 0, q_width_ = 0, kv_width_ = 0, max_ffn_ = 0;
  std::vector<float> rope_cos_, rope_sin_;  // (context, head_dim / 2)
  std::vector<float> k_cache_, v_cache_;    // (virtual layers, context, kv_width)
  std::vector<float> x_, h_, q_, k_, v_, attn_, gate_, up_, logits_, scores_;
  int64_t scratch_tokens_ = 0;
};

}  // namespace elastiq
