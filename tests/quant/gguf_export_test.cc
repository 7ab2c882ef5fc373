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

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/fp16.h"
#include "src/format/gguf.h"
#include "src/format/random_model.h"
#include "src/text/tokenizer.h"
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
  EXPECT_EQ(InterleaveRopeHalves({1, 2, 3, 4}, 1, 4, 1), (std::vector<float>{1, 3, 2, 4}));
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

TEST_F(GgufExport, BadRequestsAreOneClearErrorAndWriteNothing) {
  const std::string model = Model(1), out = *dir_ / "never.gguf";
  const auto error_of = [&](GgufExportOptions o) {
    o.out = out;
    return testing::UserErrorMessage([&] { ExportGguf(o); });
  };
  EXPECT_NE(error_of({.palette = model, .subnet = "p33"}).find("no palette entry \"p33\""), std::string::npos);
  EXPECT_NE(error_of({.palette = model, .type = "tq2_0"}).find("--type must be f32, f16 or q8_0"), std::string::npos);
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
