// Hugging Face folder -> elastiq model file: config mapping, tensor-name mapping, checks.
#include "src/text/hf_import.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/json_fields.h"
#include "src/core/rope.h"
#include "src/format/model_file.h"
#include "src/format/safetensors.h"
#include "src/format/weight_layout.h"
#include "src/text/special_tokens.h"
#include "src/text/tokenizer.h"

namespace fs = std::filesystem;

namespace elastiq {
namespace {

nlohmann::json ReadJsonFile(const std::string& path) {
  if (!fs::exists(path)) throw UserError(path + ": missing");
  return ParseJsonObject(ReadFileBytes(path), path);
}

int RequiredInt(const nlohmann::json& j, const char* key, const std::string& source) {
  const int v = RequireInt(j, key, source);
  if (v <= 0 || v > (1 << 30)) throw UserError(source + ": \"" + key + "\" is out of range");
  return v;
}

// A field whose presence (true, non-null, or other than `ok`) the model file cannot represent.
void Refuse(bool unsupported, const std::string& source, const std::string& what) {
  if (unsupported) throw UserError(source + ": " + what + " is not supported by the elastiq model file; not imported");
}

bool Truthy(const nlohmann::json& j, const char* key) {
  return j.contains(key) && !j[key].is_null() && !(j[key].is_boolean() && !j[key].get<bool>());
}

// The tied-embedding flag of either family: MobileLLM says share_embedding, Llama tie_word_embeddings.
bool TiedEmbeddings(const nlohmann::json& j, bool mobilellm, const std::string& source) {
  if (mobilellm && OptionalBool(j, "share_embedding", source, false)) return true;
  return OptionalBool(j, "tie_word_embeddings", source, false);
}

// Hugging Face tensor name -> elastiq weight name, for the maxnet's stored blocks.
std::map<std::string, std::string> HfWeightNames(const ModelConfig& c) {
  std::map<std::string, std::string> names = {{"model.embed_tokens.weight", "embed"},
                                              {"model.norm.weight", "final_norm"}};
  const std::pair<const char*, const char*> per_layer[] = {
      {"input_layernorm", "attn_norm"}, {"self_attn.q_proj", "wq"}, {"self_attn.k_proj", "wk"},
      {"self_attn.v_proj", "wv"},       {"self_attn.o_proj", "wo"}, {"post_attention_layernorm", "ffn_norm"},
      {"mlp.gate_proj", "w_gate"},      {"mlp.up_proj", "w_up"},    {"mlp.down_proj", "w_down"}};
  for (int l = 0; l < c.n_layers; ++l) {
    for (const auto& [hf, ours] : per_layer) {
      names["model.layers." + std::to_string(l) + "." + hf + ".weight"] = LayerWeightName(l, ours);
    }
  }
  return names;
}

// Every tensor's shard: one model.safetensors, or the shards a model.safetensors.index.json maps.
class HfWeights {
 public:
  HfWeights(const std::string& dir, const std::string& converted_bin) {
    const std::string single = dir + "/model.safetensors", index = dir + "/model.safetensors.index.json";
    if (!converted_bin.empty() || fs::exists(single)) {
      shards_.push_back(
          std::make_unique<SafetensorsFile>(SafetensorsFile::Open(converted_bin.empty() ? single : converted_bin)));
      for (const auto& [name, t] : shards_.back()->tensors()) where_[name] = shards_.back().get();
      description_ = converted_bin.empty() ? "model.safetensors" : "pytorch_model.bin (read by LibTorch)";
      return;
    }
    if (!fs::exists(index)) {
      throw UserError(
          dir + ": no model.safetensors, model.safetensors.index.json or pytorch_model.bin" +
          (fs::exists(dir + "/pytorch_model.bin.index.json")
               ? std::string(" (sharded pytorch_model-*.bin files are not read: save the model as safetensors)")
               : std::string()));
    }
    const nlohmann::json map = OptionalObject(ReadJsonFile(index), "weight_map", index);
    std::map<std::string, SafetensorsFile*> opened;
    for (const auto& [name, file] : map.items()) {
      if (!file.is_string() || file.get<std::string>().find('/') != std::string::npos) {
        throw UserError(index + ": weight_map[\"" + name + "\"] must name a file in the folder");
      }
      SafetensorsFile*& shard = opened[file.get<std::string>()];
      if (!shard) {
        shards_.push_back(
            std::make_unique<SafetensorsFile>(SafetensorsFile::Open(dir + "/" + file.get<std::string>())));
        shard = shards_.back().get();
      }
      if (!shard->tensors().count(name))
        throw UserError(shard->path() + ": no tensor \"" + name + "\" (the index says so)");
      where_[name] = shard;
    }
    description_ = std::to_string(shards_.size()) + " shards";
  }
  const std::map<std::string, SafetensorsFile*>& where() const { return where_; }
  const std::string& description() const { return description_; }

 private:
  std::vector<std::unique_ptr<SafetensorsFile>> shards_;
  std::map<std::string, SafetensorsFile*> where_;
  std::string description_;
};

std::string TokenizerBytesOf(const std::string& dir, const ModelConfig& c) {
  const std::string path = dir + "/tokenizer.model";
  if (!fs::exists(path)) {
    throw UserError(dir + ": no tokenizer.model" +
                    std::string(fs::exists(dir + "/tokenizer.json")
                                    ? " (only tokenizer.json: elastiq reads SentencePiece tokenizer.model files)"
                                    : " (elastiq needs the SentencePiece tokenizer.model)"));
  }
  const Tokenizer t = Tokenizer::FromFile(path);
  if (t.vocab_size() != c.vocab_size) {
    throw UserError(path + ": " + std::to_string(t.vocab_size()) + " pieces, but config.json says vocab_size " +
                    std::to_string(c.vocab_size));
  }
  return t.model_bytes();
}

// The checkpoint's non-weight tensors that carry nothing: rotary inverse frequencies equal to those
// rope_theta gives, and an LM head equal to the (tied) embedding.
bool IsRedundant(const std::string& name, const std::vector<float>& values, const ModelConfig& c,
                 const std::vector<float>& embed) {
  if (name.ends_with("rotary_emb.inv_freq")) {
    const std::vector<double> inv_freq = RopeInverseFrequencies(c.head_dim(), c.rope_theta);
    if (values.size() != inv_freq.size()) return false;
    for (size_t i = 0; i < inv_freq.size(); ++i)
      if (std::abs(values[i] - inv_freq[i]) > 1e-6 * inv_freq[i] + 1e-9) return false;
    return true;
  }
  return name == "lm_head.weight" && values == embed;
}

}  // namespace

ModelConfig ParseHfConfig(const nlohmann::json& j, const std::string& source, const std::string& name) {
  const std::string type = OptionalString(j, "model_type", source, "");
  const bool mobilellm = type == "mobilellm";
  Refuse(type != "llama" && !mobilellm, source, "model_type \"" + type + "\" (llama and mobilellm are)");
  Refuse(Truthy(j, "attention_bias"), source, "attention_bias");
  Refuse(Truthy(j, "mlp_bias"), source, "mlp_bias");
  Refuse(Truthy(j, "rope_scaling"), source, "rope_scaling");
  Refuse(Truthy(j, "sliding_window"), source, "sliding_window");
  Refuse(Truthy(j, "layer_sharing"), source, "MobileLLM layer_sharing");
  const std::string act = OptionalString(j, "hidden_act", source, "silu");
  Refuse(act != "silu", source, "hidden_act \"" + act + "\" (silu is)");
  Refuse(!TiedEmbeddings(j, mobilellm, source), source, "an untied LM head (tie_word_embeddings false)");
  ModelConfig c;
  c.name = name;
  c.d_model = RequiredInt(j, "hidden_size", source);
  c.n_layers = RequiredInt(j, "num_hidden_layers", source);
  c.n_heads = RequiredInt(j, "num_attention_heads", source);
  c.n_kv_heads = j.contains("num_key_value_heads") ? RequiredInt(j, "num_key_value_heads", source) : c.n_heads;
  c.ffn_dim = RequiredInt(j, "intermediate_size", source);
  c.vocab_size = RequiredInt(j, "vocab_size", source);
  c.max_seq_len = RequiredInt(j, "max_position_embeddings", source);
  c.norm_eps = OptionalDouble(j, "rms_norm_eps", source, 1e-6);
  c.rope_theta = OptionalDouble(j, "rope_theta", source, 10000.0);
  if (j.contains("head_dim") && !j["head_dim"].is_null()) {
    Refuse(int64_t{c.n_heads} * RequireInt(j, "head_dim", source) != c.d_model, source,
           "a head_dim other than hidden_size / num_attention_heads");
  }
  Refuse(OptionalInt(j, "bos_token_id", source, kBosId) != kBosId ||
             OptionalInt(j, "eos_token_id", source, kEosId) != kEosId,
         source, "bos/eos token ids other than 1 and 2");
  ValidateModelConfig(c, source);
  return c;
}

bool HasOnlyTorchBin(const std::string& dir) {
  return !fs::exists(dir + "/model.safetensors") && !fs::exists(dir + "/model.safetensors.index.json") &&
         fs::exists(dir + "/pytorch_model.bin");
}

HfImportSummary ImportHfCheckpoint(const std::string& dir, const std::string& out, const std::string& converted_bin) {
  const std::string config_path = dir + "/config.json";
  std::string name = fs::path(dir).lexically_normal().filename().string();
  if (name.empty() || name == ".") name = fs::path(dir).lexically_normal().parent_path().filename().string();
  const ModelConfig c = ParseHfConfig(ReadJsonFile(config_path), config_path, name.empty() ? "hf" : name);
  const std::string tokenizer = TokenizerBytesOf(dir, c);
  const HfWeights weights(dir, converted_bin);
  const std::map<std::string, std::string> names = HfWeightNames(c);
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const WeightShape& s : MaxnetWeightShapes(c)) shapes[s.name] = s.shape;
  constexpr const char* kEmbed = "model.embed_tokens.weight";
  const auto& embed_file = weights.where().find(kEmbed);
  if (embed_file == weights.where().end()) throw UserError(dir + ": no " + kEmbed);
  const std::vector<float> embed = embed_file->second->ReadF32(kEmbed);  // also what an LM head must equal
  ModelFileWriter w(out, c, kKindCheckpoint, tokenizer);
  std::set<std::string> written;
  for (const auto& [hf_name, shard] : weights.where()) {
    std::vector<float> read;  // every tensor but the embedding, read above, is read here once
    if (hf_name != kEmbed) read = shard->ReadF32(hf_name);
    const std::vector<float>& values = hf_name == kEmbed ? embed : read;
    const auto ours = names.find(hf_name);
    if (ours == names.end()) {
      if (IsRedundant(hf_name, values, c, embed)) continue;
      throw UserError(shard->path() + ": tensor \"" + hf_name +
                      "\" has no place in the elastiq model file; not imported");
    }
    const std::vector<int64_t>& want = shapes.at(ours->second);
    if (shard->tensors().at(hf_name).shape != want) {
      throw UserError(shard->path() + ": \"" + hf_name + "\" has another shape than config.json implies");
    }
    w.WriteWeight(ours->second, want, values.data());
    written.insert(ours->second);
  }
  for (const auto& [hf_name, ours] : names) {
    if (!written.count(ours)) throw UserError(dir + ": no tensor \"" + hf_name + "\"");
  }
  w.AddPaletteEntry({MaxnetSpec(c), {{"imported_from", "huggingface"}}});
  w.Commit();
  return {c, weights.description(), static_cast<int>(written.size())};
}

}  // namespace elastiq
