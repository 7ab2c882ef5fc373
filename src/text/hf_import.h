// `elastiq import hf`: a Hugging Face checkpoint folder of a Llama-family model (LlamaForCausalLM,
// MobileLLM) becomes an ordinary elastiq teacher file: config.json mapped field by field, weights
// from model.safetensors or a sharded model.safetensors.index.json (F32, F16 or BF16) or, converted
// by the LibTorch helper, from pytorch_model.bin, and
// tokenizer.model (SentencePiece) embedded as elastiq's own tokenizers are. The weight layout needs
// no conversion: elastiq, like Hugging Face's modeling_llama, rotates the two halves of each head
// (rotate_half RoPE) and keeps a KV head's query heads next to each other. Whatever the model file
// cannot represent is refused by name, never dropped.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "src/core/model_config.h"

namespace elastiq {

// config.json -> ModelConfig (named `name`). UserError naming the field for a model type other than
// llama/mobilellm, biases, rope scaling, a sliding window, an activation other than silu, untied
// embeddings, a head_dim other than hidden_size / num_attention_heads, MobileLLM layer sharing, or
// bos/eos ids other than elastiq's 1 and 2.
ModelConfig ParseHfConfig(const nlohmann::json& config, const std::string& source, const std::string& name);

struct HfImportSummary {
  ModelConfig config;
  std::string weights;  // "model.safetensors" or "N shards"
  int tensors = 0;
};

// Whether the folder's weights are only a pytorch_model.bin (torch.save), which needs LibTorch to
// read: the front end has elastiq-train convert it to safetensors first.
bool HasOnlyTorchBin(const std::string& dir);

// Writes `out` (kind checkpoint) atomically; nothing is written on any error. `converted_bin`: the
// safetensors conversion of the folder's pytorch_model.bin, read in place of the folder's weights.
HfImportSummary ImportHfCheckpoint(const std::string& dir, const std::string& out,
                                   const std::string& converted_bin = "");

}  // namespace elastiq
