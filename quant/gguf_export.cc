// Slicing one palette entry out of a model file into GGUF tensors and llama metadata.
#include "quant/gguf_export.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

#include "src/core/error.h"
#include "src/core/fp16.h"
#include "src/format/gguf.h"
#include "src/format/model_file.h"
#include "src/format/weight_layout.h"
#include "src/text/tokenizer.h"

namespace elastiq {
namespace {

GgmlType ParseExportType(const std::string& type) {
  if (type == "f32") return GgmlType::kF32;
  if (type == "f16") return GgmlType::kF16;
  if (type == "q8_0") return GgmlType::kQ8_0;
  throw UserError("--type must be f32, f16 or q8_0, got \"" + type + "\"");
}

// Cuts prefixes of maxnet weights, each read from the file when asked for.
class WeightSlicer {
 public:
  explicit WeightSlicer(const ModelFile& file) : file_(file) {
    for (const WeightShape& s : MaxnetWeightShapes(file.config())) full_rows_[s.name] = s.shape[0];
  }
  // W[:rows, :cols] of a (full_rows, full_cols) weight, row-major; vectors: cols = 1.
  std::vector<float> Prefix(const std::string& name, int64_t rows, int64_t cols) const {
    const std::vector<float> w = file_.ReadWeight(name);
    const int64_t full_cols = static_cast<int64_t>(w.size()) / full_rows_.at(name);
    std::vector<float> out;
    out.reserve(static_cast<size_t>(rows * cols));
    for (int64_t r = 0; r < rows; ++r)
      out.insert(out.end(), w.begin() + r * full_cols, w.begin() + r * full_cols + cols);
    return out;
  }

 private:
  const ModelFile& file_;
  std::map<std::string, int64_t> full_rows_;
};

std::vector<uint8_t> Encode(const std::vector<float>& values, GgmlType type, const std::string& name, int64_t cols) {
  std::vector<uint8_t> out;
  if (type == GgmlType::kF32) {
    out.resize(values.size() * 4);
    std::memcpy(out.data(), values.data(), out.size());
  } else if (type == GgmlType::kF16) {
    out.resize(values.size() * 2);
    for (size_t i = 0; i < values.size(); ++i) {
      const uint16_t h = F32ToF16(values[i]);
      std::memcpy(out.data() + 2 * i, &h, 2);
    }
  } else {
    if (cols % static_cast<int64_t>(kQ8_0Block) != 0) {
      throw UserError(name + ": rows of " + std::to_string(cols) +
                      " values are not a multiple of 32, which q8_0 needs; export with --type f16 or f32");
    }
    out = QuantizeQ8_0(values);
  }
  return out;
}

// The tensors of the llama blocks `blocks` (each use of a shared block) from kept layer `layer`
// (its FFN width `ffn`) of the entry: read and encoded once, written once per block.
void AddBlocks(GgufWriter& w, const WeightSlicer& weights, const ModelConfig& c, const SubnetSpec& spec, int layer,
               int ffn, const std::vector<int>& blocks, GgmlType type) {
  const int64_t d = spec.d_model, hd = c.head_dim(), heads = spec.n_heads(c), kv_heads = spec.n_kv_heads;
  const std::string first = "blk." + std::to_string(blocks.front()) + ".";  // names the tensor in errors
  struct Encoded {
    std::string name;
    std::vector<uint64_t> ne;
    GgmlType type;
    std::vector<uint8_t> bytes;
  };
  std::vector<Encoded> tensors;
  const auto matrix = [&](const std::string& name, const char* weight, int64_t rows, int64_t cols, int64_t rope_heads) {
    std::vector<float> v = weights.Prefix(LayerWeightName(layer, weight), rows, cols);
    if (rope_heads > 0) v = InterleaveRopeHalves(v, rope_heads, hd, cols);
    tensors.push_back(
        {name, {static_cast<uint64_t>(cols), static_cast<uint64_t>(rows)}, type, Encode(v, type, first + name, cols)});
  };
  const auto norm = [&](const std::string& name, const char* weight) {
    const std::vector<float> v = weights.Prefix(LayerWeightName(layer, weight), d, 1);
    tensors.push_back({name, {static_cast<uint64_t>(d)}, GgmlType::kF32, Encode(v, GgmlType::kF32, first + name, 1)});
  };
  norm("attn_norm.weight", "attn_norm");
  matrix("attn_q.weight", "wq", heads * hd, d, heads);
  matrix("attn_k.weight", "wk", kv_heads * hd, d, kv_heads);
  matrix("attn_v.weight", "wv", kv_heads * hd, d, 0);
  matrix("attn_output.weight", "wo", d, heads * hd, 0);
  norm("ffn_norm.weight", "ffn_norm");
  matrix("ffn_gate.weight", "w_gate", ffn, d, 0);
  matrix("ffn_up.weight", "w_up", ffn, d, 0);
  matrix("ffn_down.weight", "w_down", d, ffn, 0);
  for (int block : blocks) {
    for (const Encoded& t : tensors) w.AddTensor("blk." + std::to_string(block) + "." + t.name, t.ne, t.type, t.bytes);
  }
}

void AddTokenizer(GgufWriter& w, const Tokenizer& tokenizer) {
  nlohmann::json tokens = nlohmann::json::array(), scores = nlohmann::json::array(), kinds = nlohmann::json::array();
  for (const Piece& p : tokenizer.Pieces()) {
    tokens.push_back(p.text);
    scores.push_back(p.score);
    kinds.push_back(static_cast<int32_t>(p.kind));
  }
  w.AddString("tokenizer.ggml.model", "llama");  // SentencePiece (SPM) tokenization
  w.AddArray("tokenizer.ggml.tokens", GgufValueType::kString, std::move(tokens));
  w.AddArray("tokenizer.ggml.scores", GgufValueType::kF32, std::move(scores));
  w.AddArray("tokenizer.ggml.token_type", GgufValueType::kI32, std::move(kinds));
  w.AddU32("tokenizer.ggml.unknown_token_id", kUnkId);
  w.AddU32("tokenizer.ggml.bos_token_id", kBosId);
  w.AddU32("tokenizer.ggml.eos_token_id", kEosId);
  w.AddU32("tokenizer.ggml.padding_token_id", kPadId);
  w.AddBool("tokenizer.ggml.add_bos_token", true);
  w.AddBool("tokenizer.ggml.add_eos_token", false);
}

void AddModelMetadata(GgufWriter& w, const ModelConfig& c, const SubnetSpec& spec, int blocks) {
  w.AddString("general.architecture", "llama");
  w.AddString("general.name", c.name + "-" + spec.name);
  w.AddU32("general.alignment", 32);
  w.AddU32("llama.context_length", static_cast<uint32_t>(c.max_seq_len));
  w.AddU32("llama.embedding_length", static_cast<uint32_t>(spec.d_model));
  w.AddU32("llama.block_count", static_cast<uint32_t>(blocks));
  // One FFN width per block, repeated for each use of a shared block; a scalar when all are equal.
  std::vector<uint32_t> ffn;
  for (int f : spec.ffn_dim) ffn.insert(ffn.end(), static_cast<size_t>(c.repeat), static_cast<uint32_t>(f));
  if (std::all_of(ffn.begin(), ffn.end(), [&](uint32_t f) { return f == ffn.front(); })) {
    w.AddU32("llama.feed_forward_length", ffn.front());
  } else {
    w.AddArray("llama.feed_forward_length", GgufValueType::kU32, ffn);
  }
  w.AddU32("llama.attention.head_count", static_cast<uint32_t>(spec.n_heads(c)));
  w.AddU32("llama.attention.head_count_kv", static_cast<uint32_t>(spec.n_kv_heads));
  // The head width stays the maxnet's when the entry is narrower: say it, rather than let the
  // reader divide embedding_length by head_count.
  w.AddU32("llama.attention.key_length", static_cast<uint32_t>(c.head_dim()));
  w.AddU32("llama.attention.value_length", static_cast<uint32_t>(c.head_dim()));
  w.AddU32("llama.rope.dimension_count", static_cast<uint32_t>(c.head_dim()));
  w.AddF32("llama.rope.freq_base", static_cast<float>(c.rope_theta));
  w.AddF32("llama.attention.layer_norm_rms_epsilon", static_cast<float>(c.norm_eps));
  w.AddU32("llama.vocab_size", static_cast<uint32_t>(c.vocab_size));
}

}  // namespace

std::vector<float> InterleaveRopeHalves(const std::vector<float>& w, int64_t heads, int64_t head_dim, int64_t cols) {
  ELASTIQ_ASSERT(static_cast<int64_t>(w.size()) == heads * head_dim * cols && head_dim % 2 == 0);
  std::vector<float> out(w.size());
  const int64_t half = head_dim / 2;
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t i = 0; i < half; ++i) {
      const float* first = w.data() + (h * head_dim + i) * cols;
      const float* second = w.data() + (h * head_dim + half + i) * cols;
      std::copy(first, first + cols, out.data() + (h * head_dim + 2 * i) * cols);
      std::copy(second, second + cols, out.data() + (h * head_dim + 2 * i + 1) * cols);
    }
  }
  return out;
}

std::vector<uint8_t> QuantizeQ8_0(const std::vector<float>& values) {
  ELASTIQ_ASSERT(values.size() % kQ8_0Block == 0);
  std::vector<uint8_t> out;
  out.reserve(values.size() / kQ8_0Block * (2 + kQ8_0Block));
  for (size_t b = 0; b < values.size(); b += kQ8_0Block) {
    float amax = 0;
    for (size_t i = 0; i < kQ8_0Block; ++i) amax = std::max(amax, std::fabs(values[b + i]));
    const float d = amax / 127.0f, inverse = d != 0 ? 1.0f / d : 0.0f;
    const uint16_t d16 = F32ToF16(d);
    out.push_back(static_cast<uint8_t>(d16 & 0xff));
    out.push_back(static_cast<uint8_t>(d16 >> 8));
    for (size_t i = 0; i < kQ8_0Block; ++i) {
      out.push_back(static_cast<uint8_t>(static_cast<int8_t>(std::lround(values[b + i] * inverse))));
    }
  }
  return out;
}

GgufExportSummary ExportGguf(const GgufExportOptions& o) {
  const GgmlType type = ParseExportType(o.type);
  const ModelFile file = ModelFile::Open(o.palette);
  const ModelConfig& c = file.config();
  if (c.is_encoder()) throw UserError(o.palette + ": an encoder (classifier); GGUF's llama architecture is a decoder");
  const SubnetSpec& spec = file.EntryOrLargest(o.subnet).spec;
  const Tokenizer tokenizer = EmbeddedTokenizer(file);
  const int blocks = static_cast<int>(spec.layers.size()) * c.repeat;
  GgufWriter w;
  AddModelMetadata(w, c, spec, blocks);
  AddTokenizer(w, tokenizer);
  WeightSlicer weights(file);
  const std::vector<float> embed = weights.Prefix("embed", c.vocab_size, spec.d_model);
  w.AddTensor("token_embd.weight", {static_cast<uint64_t>(spec.d_model), static_cast<uint64_t>(c.vocab_size)}, type,
              Encode(embed, type, "token_embd.weight", spec.d_model));
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    std::vector<int> uses;  // the llama blocks this kept layer becomes, one per repeat
    for (int r = 0; r < c.repeat; ++r) uses.push_back(static_cast<int>(i) * c.repeat + r);
    AddBlocks(w, weights, c, spec, spec.layers[i], spec.ffn_dim[i], uses, type);
  }
  const std::vector<float> final_norm = weights.Prefix("final_norm", spec.d_model, 1);
  w.AddTensor("output_norm.weight", {static_cast<uint64_t>(spec.d_model)}, GgmlType::kF32,
              Encode(final_norm, GgmlType::kF32, "output_norm.weight", 1));
  w.Write(o.out);
  GgufExportSummary s{spec.name, blocks, CountParams(c, spec).total(), std::filesystem::file_size(o.out)};
  return s;
}

}  // namespace elastiq
