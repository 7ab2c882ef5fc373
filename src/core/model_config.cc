// JSON <-> ModelConfig with validation that names the offending field.
#include "src/core/model_config.h"

#include <nlohmann/json.hpp>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/json_fields.h"

namespace elastiq {
namespace {

using nlohmann::json;

void RequirePositive(int value, const char* field, const std::string& source) {
  if (value <= 0) {
    throw UserError(source + ": field \"" + std::string(field) + "\" must be positive, got " + std::to_string(value));
  }
}

}  // namespace

const char* ModelKindName(ModelKind kind) { return kind == ModelKind::kEncoder ? "encoder" : "decoder"; }

void ValidateModelConfig(const ModelConfig& c, const std::string& source) {
  RequirePositive(c.vocab_size, "vocab_size", source);
  RequirePositive(c.d_model, "d_model", source);
  RequirePositive(c.n_layers, "n_layers", source);
  RequirePositive(c.repeat, "repeat", source);
  RequirePositive(c.n_heads, "n_heads", source);
  RequirePositive(c.n_kv_heads, "n_kv_heads", source);
  RequirePositive(c.ffn_dim, "ffn_dim", source);
  RequirePositive(c.max_seq_len, "max_seq_len", source);
  if (c.d_model % c.n_heads != 0) {
    throw UserError(source + ": n_heads (" + std::to_string(c.n_heads) + ") must divide d_model (" +
                    std::to_string(c.d_model) + "); pick n_heads so d_model / n_heads is whole");
  }
  if (c.n_heads % c.n_kv_heads != 0) {
    throw UserError(source + ": n_kv_heads (" + std::to_string(c.n_kv_heads) + ") must divide n_heads (" +
                    std::to_string(c.n_heads) + ")");
  }
  if (c.head_dim() % 2 != 0) {
    throw UserError(source + ": head size d_model / n_heads = " + std::to_string(c.head_dim()) +
                    " must be even for rotary embeddings");
  }
  if (c.is_encoder() && c.n_classes < 2) {
    throw UserError(source + ": an encoder needs \"n_classes\" >= 2, got " + std::to_string(c.n_classes));
  }
  if (!c.is_encoder() && c.n_classes != 0) {
    throw UserError(source + ": \"n_classes\" is only for \"kind\": \"encoder\"; remove it");
  }
  if (!(c.rope_theta > 1.0)) throw UserError(source + ": \"rope_theta\" must be > 1");
  if (!(c.norm_eps > 0.0 && c.norm_eps < 1.0)) throw UserError(source + ": \"norm_eps\" must be in (0, 1)");
}

ModelConfig ParseModelConfig(const std::string& json_text, const std::string& source) {
  const json j = ParseJsonObject(json_text, source, "; a model config looks like experiments/configs/tiny.json");
  ModelConfig c;
  c.name = OptionalString(j, "name", source, "");
  const std::string kind = OptionalString(j, "kind", source, "decoder");
  if (kind == "decoder") {
    c.kind = ModelKind::kDecoder;
  } else if (kind == "encoder") {
    c.kind = ModelKind::kEncoder;
  } else {
    throw UserError(source + ": field \"kind\" must be \"decoder\" or \"encoder\", got " + DumpJson(kind));
  }
  c.vocab_size = RequireInt(j, "vocab_size", source);
  c.d_model = RequireInt(j, "d_model", source);
  c.n_layers = RequireInt(j, "n_layers", source);
  c.repeat = OptionalInt(j, "repeat", source, 1);
  c.n_heads = RequireInt(j, "n_heads", source);
  c.n_kv_heads = OptionalInt(j, "n_kv_heads", source, c.n_heads);
  c.ffn_dim = RequireInt(j, "ffn_dim", source);
  c.max_seq_len = RequireInt(j, "max_seq_len", source);
  c.n_classes = OptionalInt(j, "n_classes", source, 0);
  c.rope_theta = OptionalDouble(j, "rope_theta", source, 10000.0);
  c.norm_eps = OptionalDouble(j, "norm_eps", source, 1e-5);
  ValidateModelConfig(c, source);
  return c;
}

ModelConfig LoadModelConfig(const std::string& path) { return ParseModelConfig(ReadFileBytes(path), path); }

std::string ModelConfigToJson(const ModelConfig& c) {
  json j = {{"name", c.name},
            {"kind", ModelKindName(c.kind)},
            {"vocab_size", c.vocab_size},
            {"d_model", c.d_model},
            {"n_layers", c.n_layers},
            {"repeat", c.repeat},
            {"n_heads", c.n_heads},
            {"n_kv_heads", c.n_kv_heads},
            {"ffn_dim", c.ffn_dim},
            {"max_seq_len", c.max_seq_len},
            {"rope_theta", c.rope_theta},
            {"norm_eps", c.norm_eps}};
  if (c.is_encoder()) j["n_classes"] = c.n_classes;
  return j.dump();
}

std::string DescribeConfigDifference(const ModelConfig& a, const ModelConfig& b) {
  json ja = json::parse(ModelConfigToJson(a));
  json jb = json::parse(ModelConfigToJson(b));
  for (auto it = ja.begin(); it != ja.end(); ++it) {
    if (it.key() == "name") continue;
    if (!jb.contains(it.key()) || jb[it.key()] != it.value()) {
      return it.key() + ": " + it.value().dump() + " vs " + (jb.contains(it.key()) ? jb[it.key()].dump() : "absent");
    }
  }
  for (auto it = jb.begin(); it != jb.end(); ++it) {
    if (!ja.contains(it.key())) return it.key() + ": absent vs " + it.value().dump();
  }
  return "";
}

}  // namespace elastiq
