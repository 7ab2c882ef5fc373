// Slicing one palette entry out of a model file into GGUF tensors and llama metadata.
#include "quant/gguf_export.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

#include "quant/gguf_blocks.h"
#include "src/core/error.h"
#include "src/core/fp16.h"
#include "src/format/gguf.h"
#include "src/format/model_file.h"
#include "src/format/quant_groups.h"
#include "src/format/weight_layout.h"
#include "src/kernels/packed_layout.h"
#include "src/text/tokenizer.h"

namespace elastiq {
namespace {

GgmlType ParseExportType(const std::string& type) {
  for (GgmlType t : {GgmlType::kF32, GgmlType::kF16, GgmlType::kQ8_0, GgmlType::kTQ2_0, GgmlType::kTQ1_0}) {
    if (type == GgmlTypeName(t)) return t;
  }
  throw UserError("--type must be f32, f16, q8_0, tq2_0 or tq1_0, got \"" + type + "\"");
}

bool IsTernaryType(GgmlType type) { return type == GgmlType::kTQ1_0 || type == GgmlType::kTQ2_0; }

// Cuts prefixes of maxnet weights, each read from the file when asked for.
class WeightSlicer {
 public:
  explicit WeightSlicer(const ModelFile& file) : file_(file) {
    for (const WeightShape& s : MaxnetWeightShapes(file.config())) full_rows_[s.name] = s.shape[0];
  }
  // W[:rows, :cols] of a (full_rows, full_cols) weight, row-major; vectors: cols = 1.
  std::vector<float> Prefix(const std::string& name, int64_t rows, int64_t cols) const {
    return PrefixOf(file_.ReadWeight(name), full_rows_.at(name), rows, cols);
  }
  // The same prefix of the file's packed ternary copy (the embedding: its int8 copy), unpacked.
  ScaledRows TernaryPrefix(const std::string& name, int64_t rows, int64_t cols) const {
    const std::string group = QuantTensorGroup("ternary", name);
    const H5File& h5 = file_.h5();
    const int64_t full_rows = full_rows_.at(name);
    const PackedShape shape = MakePackedShape(h5.GetIntAttr(group, "rows"), h5.GetIntAttr(group, "cols"), name.c_str());
    if (shape.rows != full_rows || shape.rows_padded != h5.GetIntAttr(group, "rows_padded")) {
      throw UserError(file_.path() + ": " + group + " does not match the config (damaged file?)");
    }
    std::vector<int8_t> values;
    if (name == "embed") {
      std::vector<int8_t> packed(static_cast<size_t>(shape.int8_bytes()));
      h5.ReadDataset(group + "/packed", DType::kI8, {shape.int8_bytes()}, packed.data());
      values = UnpackInt8(shape, packed.data());
    } else {
      std::vector<uint8_t> packed(static_cast<size_t>(shape.ternary_bytes()));
      h5.ReadDataset(group + "/packed", DType::kU8, {shape.ternary_bytes()}, packed.data());
      values = UnpackTernary(shape, packed.data());
    }
    std::vector<float> scale(static_cast<size_t>(shape.rows));
    h5.ReadDataset(group + "/scale", DType::kF32, {shape.rows}, scale.data());
    return {rows, cols, PrefixOf(values, shape.rows, rows, cols), PrefixOf(scale, shape.rows, rows, 1)};
  }

 private:
  template <typename T>
  static std::vector<T> PrefixOf(const std::vector<T>& w, int64_t full_rows, int64_t rows, int64_t cols) {
    const int64_t full_cols = static_cast<int64_t>(w.size()) / full_rows;
    std::vector<T> out;
    out.reserve(static_cast<size_t>(rows * cols));
    for (int64_t r = 0; r < rows; ++r)
      out.insert(out.end(), w.begin() + r * full_cols, w.begin() + r * full_cols + cols);
    return out;
  }
  const ModelFile& file_;
  std::map<std::string, int64_t> full_rows_;
};

struct EncodedTensor {
  GgmlType type;
  std::vector<uint8_t> bytes;
  bool fallback = false;  // a ternary matrix written as q8_0
};

std::string NotWholeBlocks(const std::string& tensor, int64_t cols, GgmlType type, const char* what_to_do) {
  const GgmlTypeTraits* t = FindGgmlType(static_cast<uint32_t>(type));
  return tensor + ": rows of " + std::to_string(cols) + " values are not a multiple of " + std::to_string(t->block) +
         ", which " + t->name + " needs; " + what_to_do;
}

EncodedTensor EncodeFloats(const std::vector<float>& values, GgmlType type, const std::string& tensor, int64_t cols) {
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
    if (cols % static_cast<int64_t>(kQ8_0Block) != 0)
      throw UserError(NotWholeBlocks(tensor, cols, type, "export with --type f16 or f32"));
    out = QuantizeQ8_0(values);
  }
  return {type, std::move(out)};
}

// Encodes the entry's slices of the file's matrices in the export's type.
class MatrixEncoder {
 public:
  MatrixEncoder(const ModelFile& file, GgmlType type, bool fallback_q8_0)
      : slicer_(file), type_(type), fallback_q8_0_(fallback_q8_0) {}

  // W[:rows, :cols] of `weight` as `tensor`; rope_heads > 0: Q/K rows reordered for llama.cpp.
  EncodedTensor Matrix(const std::string& tensor, const std::string& weight, int64_t rows, int64_t cols,
                       int64_t rope_heads, int64_t head_dim) {
    if (!IsTernaryType(type_)) {
      std::vector<float> v = slicer_.Prefix(weight, rows, cols);
      if (rope_heads > 0) v = InterleaveRopeHalves(v, rope_heads, head_dim, cols);
      return EncodeFloats(v, type_, tensor, cols);
    }
    ScaledRows m = slicer_.TernaryPrefix(weight, rows, cols);
    if (rope_heads > 0) {
      m.q = InterleaveRopeHalves(m.q, rope_heads, head_dim, cols);
      m.scale = InterleaveRopeHalves(m.scale, rope_heads, head_dim, 1);
    }
    if (cols % static_cast<int64_t>(kTernaryBlock) == 0) {
      return {type_, type_ == GgmlType::kTQ2_0 ? EncodeTq2_0(m) : EncodeTq1_0(m)};
    }
    if (!fallback_q8_0_) {
      throw UserError(NotWholeBlocks(tensor, cols, type_, "add --fallback q8_0 to write such tensors as q8_0"));
    }
    return {GgmlType::kQ8_0, EncodeQ8_0(m), true};
  }
  // The tied embedding: floats in the float types, the int8 copy as q8_0 in the ternary ones.
  EncodedTensor Embedding(int64_t vocab, int64_t d) {
    const char* tensor = "token_embd.weight";
    if (!IsTernaryType(type_)) return EncodeFloats(slicer_.Prefix("embed", vocab, d), type_, tensor, d);
    if (d % static_cast<int64_t>(kQ8_0Block) != 0) throw UserError(NotWholeBlocks(tensor, d, GgmlType::kQ8_0, ""));
    return {GgmlType::kQ8_0, EncodeQ8_0(slicer_.TernaryPrefix("embed", vocab, d))};
  }
  // Norms stay f32 in every type.
  EncodedTensor Vector(const std::string& tensor, const std::string& weight, int64_t size) {
    return EncodeFloats(slicer_.Prefix(weight, size, 1), GgmlType::kF32, tensor, 1);
  }

 private:
  WeightSlicer slicer_;
  GgmlType type_;
  bool fallback_q8_0_;
};

// The tensors of the llama blocks `blocks` (each use of a shared block) from kept layer `layer`
// (its FFN width `ffn`) of the entry: read and encoded once, written once per block. Returns the
// number of fallback tensors written.
int AddBlocks(GgufWriter& w, MatrixEncoder& encoder, const ModelConfig& c, const SubnetSpec& spec, int layer, int ffn,
              const std::vector<int>& blocks) {
  const int64_t d = spec.d_model, hd = c.head_dim(), heads = spec.n_heads(c), kv_heads = spec.n_kv_heads;
  const std::string first = "blk." + std::to_string(blocks.front()) + ".";  // names the tensor in errors
  struct Named {
    std::string name;
    std::vector<uint64_t> ne;
    EncodedTensor tensor;
  };
  std::vector<Named> tensors;
  const auto matrix = [&](const std::string& name, const char* weight, int64_t rows, int64_t cols, int64_t rope_heads) {
    tensors.push_back({name,
                       {static_cast<uint64_t>(cols), static_cast<uint64_t>(rows)},
                       encoder.Matrix(first + name, LayerWeightName(layer, weight), rows, cols, rope_heads, hd)});
  };
  const auto norm = [&](const std::string& name, const char* weight) {
    tensors.push_back(
        {name, {static_cast<uint64_t>(d)}, encoder.Vector(first + name, LayerWeightName(layer, weight), d)});
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
  int fallbacks = 0;
  for (int block : blocks) {
    for (const Named& t : tensors) {
      w.AddTensor("blk." + std::to_string(block) + "." + t.name, t.ne, t.tensor.type, t.tensor.bytes);
      fallbacks += t.tensor.fallback;
    }
  }
  return fallbacks;
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

GgufExportSummary ExportGguf(const GgufExportOptions& o) {
  const GgmlType type = ParseExportType(o.type);
  if (!o.fallback.empty() && o.fallback != "q8_0")
    throw UserError("--fallback must be q8_0, got \"" + o.fallback + "\"");
  const ModelFile file = ModelFile::Open(o.palette);
  const ModelConfig& c = file.config();
  if (c.is_encoder()) throw UserError(o.palette + ": an encoder (classifier); GGUF's llama architecture is a decoder");
  if (IsTernaryType(type) && !file.h5().Exists(QuantFormatGroup("ternary"))) {
    throw UserError(o.palette + ": holds no ternary weights, which --type " + o.type +
                    " carries; run elastiq quantize --format ternary on it first");
  }
  const SubnetSpec& spec = file.EntryOrLargest(o.subnet).spec;
  const Tokenizer tokenizer = EmbeddedTokenizer(file);
  const int blocks = static_cast<int>(spec.layers.size()) * c.repeat;
  GgufWriter w;
  AddModelMetadata(w, c, spec, blocks);
  AddTokenizer(w, tokenizer);
  MatrixEncoder encoder(file, type, o.fallback == "q8_0");
  EncodedTensor embed = encoder.Embedding(c.vocab_size, spec.d_model);
  w.AddTensor("token_embd.weight", {static_cast<uint64_t>(spec.d_model), static_cast<uint64_t>(c.vocab_size)},
              embed.type, std::move(embed.bytes));
  int fallbacks = 0;
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    std::vector<int> uses;  // the llama blocks this kept layer becomes, one per repeat
    for (int r = 0; r < c.repeat; ++r) uses.push_back(static_cast<int>(i) * c.repeat + r);
    fallbacks += AddBlocks(w, encoder, c, spec, spec.layers[i], spec.ffn_dim[i], uses);
  }
  EncodedTensor final_norm = encoder.Vector("output_norm.weight", "final_norm", spec.d_model);
  w.AddTensor("output_norm.weight", {static_cast<uint64_t>(spec.d_model)}, GgmlType::kF32, std::move(final_norm.bytes));
  w.Write(o.out);
  return {spec.name, blocks, CountParams(c, spec).total(), std::filesystem::file_size(o.out), fallbacks};
}

}  // namespace elastiq
