// JSON <-> ModelConfig with validation that names the offending field.
#include "src/core/model_config.h"

#include <nlohmann/json.hpp>

#include "src/core/atomic_file.h"
#include "src/core/error.h"

namespace elastiq {
namespace {

using nlohmann::json;

int GetInt(const json& j, const char* key, const std::string& source, bool required, int fallback) {
  if (!j.contains(key)) {
    if (required) throw UserError(source + ": missing field \"" + key + "\" (an integer)");
    return fallback;
  }
  if (!j[key].is_number_integer()) {
    throw UserError(source + ": field \"" + key + "\" must be an integer, got " + j[key].dump());
  }
  // Read wide and range-checked: get<int>() would keep the low 32 bits of 2^32 + 64 (64).
  const bool too_large = j[key].is_number_unsigned()
                             ? j[key].get<uint64_t>() > uint64_t{INT32_MAX}
                             : j[key].get<int64_t>() > INT32_MAX || j[key].get<int64_t>() < INT32_MIN;
  if (too_large) throw UserError(source + ": field \"" + key + "\" is out of range, got " + j[key].dump());
  return j[key].get<int>();
}

double GetDouble(const json& j, const char* key, const std::string& source, double fallback) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_number()) {
    throw UserError(source + ": field \"" + key + "\" must be a number, got " + j[key].dump());
  }
  return j[key].get<double>();
}

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
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    throw UserError(source + ": not a JSON object; a model config looks like experiments/configs/tiny.json");
  }
  ModelConfig c;
  c.name = j.value("name", std::string());
  std::string kind = j.value("kind", std::string("decoder"));
  if (kind == "decoder") {
    c.kind = ModelKind::kDecoder;
  } else if (kind == "encoder") {
    c.kind = ModelKind::kEncoder;
  } else {
    throw UserError(source + ": field \"kind\" must be \"decoder\" or \"encoder\", got \"" + kind + "\"");
  }
  c.vocab_size = GetInt(j, "vocab_size", source, true, 0);
  c.d_model = GetInt(j, "d_model", source, true, 0);
  c.n_layers = GetInt(j, "n_layers", source, true, 0);
  c.repeat = GetInt(j, "repeat", source, false, 1);
  c.n_heads = GetInt(j, "n_heads", source, true, 0);
  c.n_kv_heads = GetInt(j, "n_kv_heads", source, false, c.n_heads);
  c.ffn_dim = GetInt(j, "ffn_dim", source, true, 0);
  c.max_seq_len = GetInt(j, "max_seq_len", source, true, 0);
  c.n_classes = GetInt(j, "n_classes", source, false, 0);
  c.rope_theta = GetDouble(j, "rope_theta", source, 10000.0);
  c.norm_eps = GetDouble(j, "norm_eps", source, 1e-5);
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
