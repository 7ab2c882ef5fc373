// The shape of a super-transformer (the maxnet), read from JSON config files and stored as a
// JSON attribute in every model file. One struct serves the LibTorch model and the runtime.
#pragma once

#include <cstdint>
#include <string>

namespace elastiq {

enum class ModelKind { kDecoder, kEncoder };

struct ModelConfig {
  std::string name;
  ModelKind kind = ModelKind::kDecoder;
  int vocab_size = 0;
  int d_model = 0;      // hidden width; head_dim = d_model / n_heads
  int n_layers = 0;     // stored blocks
  int repeat = 1;       // MobileLLM-LS: each stored block runs `repeat` times in a row
  int n_heads = 0;      // query heads
  int n_kv_heads = 0;   // key/value heads (GQA groups); n_heads % n_kv_heads == 0
  int ffn_dim = 0;      // SwiGLU intermediate width
  int max_seq_len = 0;  // longest context (RoPE tables, KV cache)
  int n_classes = 0;    // encoder only: classifier outputs
  double rope_theta = 10000.0;
  double norm_eps = 1e-5;

  int head_dim() const { return d_model / n_heads; }
  int group_size() const { return n_heads / n_kv_heads; }  // query heads per KV head
  bool is_encoder() const { return kind == ModelKind::kEncoder; }
};

// Parses and validates; `source` (a file name) prefixes every error message.
ModelConfig ParseModelConfig(const std::string& json_text, const std::string& source);
ModelConfig LoadModelConfig(const std::string& path);
std::string ModelConfigToJson(const ModelConfig& config);
// Throws UserError naming the inconsistent field and how to fix it.
void ValidateModelConfig(const ModelConfig& config, const std::string& source);
// Empty when equal, else the first differing field as "field: a vs b".
std::string DescribeConfigDifference(const ModelConfig& a, const ModelConfig& b);
const char* ModelKindName(ModelKind kind);

}  // namespace elastiq
