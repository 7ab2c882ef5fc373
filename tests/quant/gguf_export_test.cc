// GGUF export of a palette entry: the tensors are the entry's slices (Q and K with their RoPE halves
// interleaved for llama.cpp, which un-interleaving undoes exactly), shared blocks are written once per
// use, the metadata describes the entry (head width kept when it is narrower), the vocabulary is the
// tokenizer's, q8_0 is ggml's block format, and bad requests write nothing.
#include "quant/gguf_export.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "quant/gguf_blocks.h"
#include "quant/quantize_file.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/fp16.h"
#include "src/format/gguf.h"
#include "src/format/quant_groups.h"
#include "src/format/random_model.h"
#include "src/kernels/packed_layout.h"
#include "src/text/tokenizer.h"
#include "tests/common/ggml_decode.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

// head_dim 16 (64 / 4); the entry "half" keeps it at d_model 32 with 2 query heads.
constexpr const char* kConfig =
    R"({"name":"g","vocab_size":400,"d_model":64,"n_layers":2,"repeat":%d,"n_heads":4,"n_kv_heads":2,"ffn_dim":128,"max_seq_len":64})";

class GgufExport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::ScratchDir();
    TrainTokenizer(testing::Lines(testing::SyntheticText(2000, 3)), {.vocab_size = 400, .threads = 1},
                   *dir_ / "t.model");
  }
  static void TearDownTestSuite() { delete dir_; }

  // A random model (repeat 1 or 2) whose palette holds the maxnet and "half".
  std::string Model(int repeat) {
    char json[512];
    std::snprintf(json, sizeof json, kConfig, repeat);
    const ModelConfig c = ParseModelConfig(json, "g");
    const std::string path = *dir_ / ("m" + std::to_string(repeat) + ".h5");
    WriteRandomModel(path, c, 7, ReadFileBytes(*dir_ / "t.model"),
                     {{SubnetSpec{"half", {0, 1}, 32, {64, 96}, 1, 0}, {}}});
    return path;
  }

  static testing::ScratchDir* dir_;
};
testing::ScratchDir* GgufExport::dir_ = nullptr;

// A tensor's values from the file (f32 only).
std::vector<float> TensorF32(const std::string& path, const GgufFile& f, const std::string& name) {
  for (const GgufTensorInfo& t : f.tensors) {
    if (t.name != name) continue;
    EXPECT_EQ(t.type, GgmlType::kF32) << name;
    const std::string bytes = ReadFileBytes(path);
    std::vector<float> v(t.bytes() / 4);
    std::memcpy(v.data(), bytes.data() + f.data_offset + t.offset, t.bytes());
    return v;
  }
  ADD_FAILURE() << "no tensor " << name;
  return {};
}

// The inverse of InterleaveRopeHalves, written out separately.
std::vector<float> Deinterleave(const std::vector<float>& w, int64_t heads, int64_t hd, int64_t cols) {
  std::vector<float> out(w.size());
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t j = 0; j < hd; ++j) {
      const int64_t from = h * hd + j, to = h * hd + (j % 2 == 0 ? j / 2 : hd / 2 + j / 2);
      std::copy(w.begin() + from * cols, w.begin() + (from + 1) * cols, out.begin() + to * cols);
    }
  }
  return out;
}

TEST_F(GgufExport, TensorsAreTheEntrysSlicesWithRopeHalvesInterleaved) {
  const std::string model = Model(1), out = *dir_ / "half.gguf";
  ExportGguf({.palette = model, .subnet = "half", .type = "f32", .out = out});
  const GgufFile f = ReadGguf(out);
  const ModelFile m = ModelFile::Open(model);
  EXPECT_EQ(testing::PrefixRows(m.ReadWeight("embed"), 64, 400, 32), TensorF32(out, f, "token_embd.weight"));
  EXPECT_EQ(testing::PrefixRows(m.ReadWeight("layers.1.wq"), 64, 32, 32),
            Deinterleave(TensorF32(out, f, "blk.1.attn_q.weight"), 2, 16, 32));
  EXPECT_EQ(testing::PrefixRows(m.ReadWeight("layers.1.wk"), 64, 16, 32),
            Deinterleave(TensorF32(out, f, "blk.1.attn_k.weight"), 1, 16, 32));
  EXPECT_NE(testing::PrefixRows(m.ReadWeight("layers.1.wk"), 64, 16, 32), TensorF32(out, f, "blk.1.attn_k.weight"));
  EXPECT_EQ(testing::PrefixRows(m.ReadWeight("layers.1.wv"), 64, 16, 32), TensorF32(out, f, "blk.1.attn_v.weight"));
  EXPECT_EQ(testing::PrefixRows(m.ReadWeight("layers.1.wo"), 64, 32, 32),
            TensorF32(out, f, "blk.1.attn_output.weight"));
  EXPECT_EQ(testing::PrefixRows(m.ReadWeight("layers.1.w_up"), 64, 96, 32), TensorF32(out, f, "blk.1.ffn_up.weight"));
  EXPECT_EQ(testing::PrefixRows(m.ReadWeight("layers.1.w_down"), 128, 32, 96),
            TensorF32(out, f, "blk.1.ffn_down.weight"));
  EXPECT_EQ(testing::PrefixRows(m.ReadWeight("final_norm"), 1, 32, 1), TensorF32(out, f, "output_norm.weight"));
  for (const GgufTensorInfo& t : f.tensors) {
    if (t.name == "blk.0.ffn_gate.weight") {
      EXPECT_EQ(t.ne, (std::vector<uint64_t>{32, 64}));
    }
    if (t.name == "blk.1.ffn_gate.weight") {
      EXPECT_EQ(t.ne, (std::vector<uint64_t>{32, 96}));
    }
  }
}

TEST_F(GgufExport, MetadataDescribesTheEntryAndItsVocabulary) {
  const std::string model = Model(2), out = *dir_ / "half2.gguf";
  const GgufExportSummary s = ExportGguf({.palette = model, .subnet = "half", .type = "f16", .out = out});
  EXPECT_EQ(s.blocks, 4);
  const GgufFile f = ReadGguf(out);
  EXPECT_EQ(f.Find("general.architecture")->value, "llama");
  EXPECT_EQ(f.Find("llama.block_count")->value, 4);
  EXPECT_EQ(f.Find("llama.embedding_length")->value, 32);
  EXPECT_EQ(f.Find("llama.attention.head_count")->value, 2);
  EXPECT_EQ(f.Find("llama.attention.head_count_kv")->value, 1);
  EXPECT_EQ(f.Find("llama.attention.key_length")->value, 16);
  EXPECT_EQ(f.Find("llama.rope.dimension_count")->value, 16);
  EXPECT_EQ(f.Find("llama.context_length")->value, 64);
  EXPECT_EQ(f.Find("llama.feed_forward_length")->value, nlohmann::json({64, 64, 96, 96}));
  const Tokenizer t = Tokenizer::FromFile(*dir_ / "t.model");
  const std::vector<Piece> pieces = t.Pieces();
  const nlohmann::json& tokens = f.Find("tokenizer.ggml.tokens")->value;
  ASSERT_EQ(tokens.size(), 400u);
  EXPECT_EQ(tokens[100], pieces[100].text);
  EXPECT_EQ(f.Find("tokenizer.ggml.token_type")->value[1], 3);  // <s>: control
  EXPECT_EQ(f.Find("tokenizer.ggml.bos_token_id")->value, 1);
  // A shared block is written once per use, with the same values.
  const std::string bytes = ReadFileBytes(out);
  std::string first, second;
  for (const GgufTensorInfo& info : f.tensors) {
    if (info.name == "blk.2.attn_q.weight") first = bytes.substr(f.data_offset + info.offset, info.bytes());
    if (info.name == "blk.3.attn_q.weight") second = bytes.substr(f.data_offset + info.offset, info.bytes());
  }
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, second);
}

TEST(GgufExportMath, InterleaveAndQ8_0ByHand) {
  // One head of width 4, one column: rows a0 a1 | b0 b1 become a0 b0 a1 b1.
  EXPECT_EQ(InterleaveRopeHalves<float>({1, 2, 3, 4}, 1, 4, 1), (std::vector<float>{1, 3, 2, 4}));
  std::vector<float> block(32, 0.0f);
  block[0] = 12.7f;
  block[1] = -6.35f;
  block[2] = 0.05f;
  const std::vector<uint8_t> q = QuantizeQ8_0(block);
  ASSERT_EQ(q.size(), 34u);
  uint16_t d16;
  std::memcpy(&d16, q.data(), 2);
  EXPECT_NEAR(F16ToF32(d16), 0.1f, 1e-4f);
  EXPECT_EQ(static_cast<int8_t>(q[2]), 127);
  EXPECT_EQ(static_cast<int8_t>(q[3]), -64);  // -63.5 rounds away from zero, as ggml's roundf
  EXPECT_EQ(static_cast<int8_t>(q[4]), 1);    // 0.5 rounds away from zero
  EXPECT_EQ(static_cast<int8_t>(q[5]), 0);
}

TEST_F(GgufExport, Q8_0MatricesDequantizeToTheSlice) {
  const std::string model = Model(1), out = *dir_ / "q8.gguf";
  ExportGguf({.palette = model, .type = "q8_0", .out = out});
  const GgufFile f = ReadGguf(out);
  const std::string bytes = ReadFileBytes(out);
  const std::vector<float> want = ModelFile::Open(model).ReadWeight("layers.0.w_down");
  for (const GgufTensorInfo& t : f.tensors) {
    if (t.name != "blk.0.ffn_down.weight") continue;
    ASSERT_EQ(t.type, GgmlType::kQ8_0);
    const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data() + f.data_offset + t.offset);
    for (size_t b = 0; b < want.size() / 32; ++b, p += 34) {
      uint16_t d16;
      std::memcpy(&d16, p, 2);
      const float d = F16ToF32(d16);
      for (size_t i = 0; i < 32; ++i) {
        // Half a step, plus the fp16 rounding of d (2^-11 relative) times |q| <= 127.
        ASSERT_NEAR(d * static_cast<int8_t>(p[2 + i]), want[b * 32 + i], d * (0.5f + 127.0f / 2048.0f) + 1e-6f)
            << "block " << b;
      }
    }
    return;
  }
  FAIL() << "no blk.0.ffn_down.weight";
}

// A d_model-256 model (whole tq blocks) with the entry "narrow" (d_model 128: not), quantized to ternary.
std::string TernaryModel(const testing::ScratchDir& dir) {
  const std::string fp32 = dir / "t256.h5", ternary = dir / "t256-ternary.h5";
  if (std::filesystem::exists(ternary)) return ternary;
  const ModelConfig c = ParseModelConfig(
      R"({"vocab_size":400,"d_model":256,"n_layers":1,"n_heads":4,"n_kv_heads":2,"ffn_dim":512,"max_seq_len":32})",
      "t");
  WriteRandomModel(fp32, c, 5, ReadFileBytes(dir / "t.model"), {{SubnetSpec{"narrow", {0}, 128, {256}, 1, 0}, {}}});
  QuantizeModelFile(fp32, "ternary", ternary);
  return ternary;
}

// The file's packed ternary copy (the embedding: its int8 copy) of `weight` as values, each row's
// scale rounded to fp16 as GGUF stores it, sliced to W[:rows, :cols].
std::vector<float> TernaryValues(const std::string& path, const std::string& weight, int64_t rows, int64_t cols) {
  const H5File h5 = H5File::OpenReadOnly(path);
  const std::string group = QuantTensorGroup("ternary", weight);
  const PackedShape s = MakePackedShape(h5.GetIntAttr(group, "rows"), h5.GetIntAttr(group, "cols"), "test");
  const std::vector<float> scale = h5.Read<float>(group + "/scale", DType::kF32);
  std::vector<int8_t> q;
  if (weight == "embed") {
    q = UnpackInt8(s, h5.Read<int8_t>(group + "/packed", DType::kI8).data());
  } else {
    q = UnpackTernary(s, h5.Read<uint8_t>(group + "/packed", DType::kU8).data());
  }
  std::vector<float> values(q.size());
  for (size_t i = 0; i < q.size(); ++i) values[i] = F16ToF32(F32ToF16(scale[i / s.cols])) * q[i];
  return testing::PrefixRows(values, s.cols, rows, cols);
}

// A tensor of the GGUF decoded the way ggml decodes it.
std::vector<float> Decoded(const std::string& path, const GgufFile& f, const std::string& name, GgmlType* type) {
  const std::string bytes = ReadFileBytes(path);
  for (const GgufTensorInfo& t : f.tensors) {
    if (t.name != name) continue;
    *type = t.type;
    uint64_t elements = 1;
    for (uint64_t n : t.ne) elements *= n;
    return testing::DecodeGgml(t.type, reinterpret_cast<const uint8_t*>(bytes.data() + f.data_offset + t.offset),
                               elements);
  }
  ADD_FAILURE() << "no tensor " << name;
  return {};
}

// Every matrix of the entry decodes to the file's ternary values (Q/K after undoing the RoPE
// interleave), in `want_type` where rows are whole tq blocks and q8_0 elsewhere.
void ExpectTernaryExport(const std::string& model, const std::string& out, int64_t d, int64_t ffn, GgmlType want_type) {
  const GgufFile f = ReadGguf(out);
  struct Matrix {
    const char* tensor;
    const char* weight;
    int64_t rows, cols, rope_heads;
  };
  const int64_t hd = 64, heads = d / hd, kv = heads / 2;
  const Matrix matrices[] = {{"blk.0.attn_q.weight", "layers.0.wq", heads * hd, d, heads},
                             {"blk.0.attn_k.weight", "layers.0.wk", kv * hd, d, kv},
                             {"blk.0.attn_v.weight", "layers.0.wv", kv * hd, d, 0},
                             {"blk.0.attn_output.weight", "layers.0.wo", d, heads * hd, 0},
                             {"blk.0.ffn_gate.weight", "layers.0.w_gate", ffn, d, 0},
                             {"blk.0.ffn_up.weight", "layers.0.w_up", ffn, d, 0},
                             {"blk.0.ffn_down.weight", "layers.0.w_down", d, ffn, 0},
                             {"token_embd.weight", "embed", 400, d, 0}};
  for (const Matrix& m : matrices) {
    GgmlType type;
    std::vector<float> got = Decoded(out, f, m.tensor, &type);
    if (m.rope_heads > 0) got = Deinterleave(got, m.rope_heads, hd, m.cols);
    const bool embedding = std::string(m.weight) == "embed";
    EXPECT_EQ(type, embedding || m.cols % 256 != 0 ? GgmlType::kQ8_0 : want_type) << m.tensor;
    ASSERT_EQ(got, TernaryValues(model, m.weight, m.rows, m.cols)) << m.tensor;
  }
}

TEST_F(GgufExport, TernaryTypesCarryTheTernaryCopyExactly) {
  const std::string model = TernaryModel(*dir_);
  for (const char* type : {"tq2_0", "tq1_0"}) {
    const std::string out = *dir_ / (std::string(type) + ".gguf");
    const GgufExportSummary s = ExportGguf({.palette = model, .type = type, .out = out});
    EXPECT_EQ(s.fallback_tensors, 0);
    ExpectTernaryExport(model, out, 256, 512, std::string(type) == "tq2_0" ? GgmlType::kTQ2_0 : GgmlType::kTQ1_0);
  }
}

TEST_F(GgufExport, RowsThatAreNotWholeTernaryBlocksNeedTheFallback) {
  const std::string model = TernaryModel(*dir_), out = *dir_ / "narrow.gguf";
  const std::string error = testing::UserErrorMessage(
      [&] { ExportGguf({.palette = model, .subnet = "narrow", .type = "tq2_0", .out = out}); });
  EXPECT_NE(error.find("blk.0.attn_q.weight: rows of 128 values are not a multiple of 256, which tq2_0 needs; add "
                       "--fallback q8_0"),
            std::string::npos)
      << error;
  EXPECT_FALSE(std::filesystem::exists(out));
  const GgufExportSummary s =
      ExportGguf({.palette = model, .subnet = "narrow", .type = "tq2_0", .fallback = "q8_0", .out = out});
  EXPECT_EQ(s.fallback_tensors, 6);  // all but ffn_down, whose rows are the 256 FFN neurons
  ExpectTernaryExport(model, out, 128, 256, GgmlType::kTQ2_0);
}

TEST_F(GgufExport, BadRequestsAreOneClearErrorAndWriteNothing) {
  const std::string model = Model(1), out = *dir_ / "never.gguf";
  const auto error_of = [&](GgufExportOptions o) {
    o.out = out;
    return testing::UserErrorMessage([&] { ExportGguf(o); });
  };
  EXPECT_NE(error_of({.palette = model, .subnet = "p33"}).find("no palette entry \"p33\""), std::string::npos);
  EXPECT_NE(error_of({.palette = model, .type = "q4_0"}).find("--type must be f32, f16, q8_0, tq2_0 or tq1_0"),
            std::string::npos);
  EXPECT_NE(error_of({.palette = model, .type = "tq2_0"}).find("holds no ternary weights"), std::string::npos);
  EXPECT_NE(error_of({.palette = model, .type = "tq2_0", .fallback = "f16"}).find("--fallback must be q8_0"),
            std::string::npos);
  // A 48-wide entry cannot be q8_0 (rows of 48 values).
  const ModelConfig c = ParseModelConfig(
      R"({"vocab_size":400,"d_model":48,"n_layers":1,"n_heads":3,"n_kv_heads":1,"ffn_dim":64,"max_seq_len":16})", "n");
  WriteRandomModel(*dir_ / "narrow.h5", c, 1, ReadFileBytes(*dir_ / "t.model"));
  EXPECT_NE(error_of({.palette = *dir_ / "narrow.h5", .type = "q8_0"}).find("token_embd.weight: rows of 48 values"),
            std::string::npos);
  WriteRandomModel(*dir_ / "no_tokenizer.h5", c, 1, "");
  EXPECT_NE(error_of({.palette = *dir_ / "no_tokenizer.h5"}).find("holds no tokenizer"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace elastiq
