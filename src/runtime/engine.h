// The LibTorch-free inference engine: runs one palette entry (a SubnetSpec) of a mapped model
// file with a KV cache. Prefill feeds many tokens at once (GEMM), decode one at a time (GEMV).
// Decoders return next-token logits; encoders classify a whole sequence.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "src/core/subnet_spec.h"
#include "src/runtime/attention.h"
#include "src/runtime/kv_cache.h"
#include "src/runtime/linear.h"
#include "src/runtime/weight_store.h"

namespace elastiq {

struct EngineOptions {
  int threads = 0;  // <= 0: one per core
  int context = 0;  // KV-cache length in tokens; <= 0: the model's max_seq_len
  WeightFormat format = WeightFormat::kF32;
  // fp32 keeps the logits equal to LibTorch's (1e-4); the CLI's run and bench default to f16.
  KvCacheFormat kv_cache = KvCacheFormat::kF32;
  ThreadPool* pool = nullptr;  // shared pool (a Session's); nullptr: the engine makes its own
  std::optional<Isa> isa;      // the kernels; unset: SelectIsa()'s (the device probe times others)
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
  KvCacheFormat kv_cache_format() const { return kv_.format(); }
  int64_t kv_cache_bytes() const { return kv_.bytes(); }  // allocated for the whole context
  int threads() const { return pool_->size(); }
  // Every stored tensor this entry reads, with the part it reads (for giving pages back).
  const std::vector<TensorUse>& tensor_uses() const { return tensor_uses_; }
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
  Linear MakeLinear(const std::string& weight, int64_t rows, int64_t cols, WeightFormat format);
  void EmbedToken(int id, float* out) const;
  const float* Vector(const std::string& weight, int64_t used);  // fp32 norm weights, first `used`
  void ExtendRope(int64_t positions);

  const WeightStore& store_;
  ModelConfig config_;
  SubnetSpec spec_;
  std::unique_ptr<ThreadPool> own_pool_;
  ThreadPool* pool_ = nullptr;
  ExecContext ctx_;
  std::vector<Layer> layers_;  // one per kept layer
  WeightFormat format_;
  const float* final_norm_ = nullptr;
  Linear lm_head_, cls_head_;  // lm_head_ is the (tied) embedding matrix
  int context_ = 0;
  int position_ = 0;
  int64_t d_ = 0, q_width_ = 0, kv_width_ = 0, max_ffn_ = 0;
  std::vector<TensorUse> tensor_uses_;
  std::vector<double> inv_freq_;            // (head_dim / 2,)
  std::vector<float> rope_cos_, rope_sin_;  // (positions so far, head_dim / 2), grown on demand
  KvCache kv_;                              // (virtual layers, context, kv_width)
  AttentionShape attention_;
  std::vector<float> x_, h_, q_, k_, v_, attn_, gate_, up_, logits_, scores_;
  int64_t scratch_tokens_ = 0;
};

}  // namespace elastiq
