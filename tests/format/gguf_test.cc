// GGUF container: metadata of every kind and tensors round-trip through the writer and the reader,
// data sits at the aligned offsets, and the reader refuses bad magic, other versions, truncation,
// counts and offsets that run past the file, misalignment and unknown types with one clear error.
#include "src/format/gguf.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

std::vector<uint8_t> Floats(std::initializer_list<float> values) {
  std::vector<uint8_t> out(values.size() * 4);
  std::memcpy(out.data(), values.begin(), out.size());
  return out;
}

void WriteSample(const std::string& path) {
  GgufWriter w;
  w.AddString("general.architecture", "llama");
  w.AddU32("llama.block_count", 3);
  w.AddF32("llama.rope.freq_base", 10000.0f);
  w.AddBool("tokenizer.ggml.add_bos_token", true);
  w.AddArray("tokenizer.ggml.tokens", GgufValueType::kString, {"<unk>", "<s>", "▁the"});
  w.AddArray("tokenizer.ggml.scores", GgufValueType::kF32, {0.0, -1.5, -2.25});
  w.AddTensor("a.weight", {3}, GgmlType::kF32, Floats({1, 2, 3}));
  w.AddTensor("b.weight", {2, 2}, GgmlType::kF32, Floats({4, 5, 6, 7}));
  w.Write(path);
}

std::string Bytes(const std::string& path) { return ReadFileBytes(path); }

void Put(const std::string& path, const std::string& bytes) { WriteFileAtomically(path, bytes); }

TEST(Gguf, MetadataAndTensorsRoundTrip) {
  testing::ScratchDir dir;
  WriteSample(dir / "m.gguf");
  const GgufFile f = ReadGguf(dir / "m.gguf");
  EXPECT_EQ(f.version, 3u);
  EXPECT_EQ(f.alignment, 32u);
  ASSERT_EQ(f.metadata.size(), 6u);
  EXPECT_EQ(f.Find("general.architecture")->value, "llama");
  EXPECT_EQ(f.Find("llama.block_count")->type, GgufValueType::kU32);
  EXPECT_EQ(f.Find("llama.block_count")->value, 3);
  EXPECT_EQ(f.Find("llama.rope.freq_base")->value, 10000.0);
  EXPECT_EQ(f.Find("tokenizer.ggml.add_bos_token")->value, true);
  EXPECT_EQ(f.Find("tokenizer.ggml.tokens")->item_type, GgufValueType::kString);
  EXPECT_EQ(f.Find("tokenizer.ggml.tokens")->value, nlohmann::json({"<unk>", "<s>", "▁the"}));
  EXPECT_EQ(f.Find("tokenizer.ggml.scores")->value, nlohmann::json({0.0, -1.5, -2.25}));
  EXPECT_EQ(f.Find("nothing"), nullptr);
  ASSERT_EQ(f.tensors.size(), 2u);
  EXPECT_EQ(f.tensors[1].name, "b.weight");
  EXPECT_EQ(f.tensors[1].ne, (std::vector<uint64_t>{2, 2}));
  EXPECT_EQ(f.data_offset % 32, 0u);
  EXPECT_EQ(f.tensors[1].offset, 32u);  // 12 bytes of a, padded to the alignment
  const std::string bytes = Bytes(dir / "m.gguf");
  float b[4];
  std::memcpy(b, bytes.data() + f.data_offset + f.tensors[1].offset, sizeof b);
  EXPECT_EQ(b[0], 4.0f);
  EXPECT_EQ(b[3], 7.0f);
  EXPECT_EQ(bytes.size(), f.data_offset + 32 + 16);
}

TEST(Gguf, TypeSizes) {
  EXPECT_EQ(GgmlTypeBytes(GgmlType::kF32, 64), 256u);
  EXPECT_EQ(GgmlTypeBytes(GgmlType::kF16, 64), 128u);
  EXPECT_EQ(GgmlTypeBytes(GgmlType::kQ8_0, 64), 68u);  // two blocks of 2 + 32 bytes
}

TEST(Gguf, BrokenFilesAreOneClearError) {
  testing::ScratchDir dir;
  WriteSample(dir / "m.gguf");
  const std::string good = Bytes(dir / "m.gguf");
  const GgufFile f = ReadGguf(dir / "m.gguf");
  const auto error_of = [&](const std::string& bytes) {
    Put(dir / "bad.gguf", bytes);
    return testing::UserErrorMessage([&] { ReadGguf(dir / "bad.gguf"); });
  };
  std::string s = good;
  s[0] = 'X';
  EXPECT_NE(error_of(s).find("no GGUF magic"), std::string::npos);
  s = good;
  s[4] = 2;
  EXPECT_NE(error_of(s).find("version 2"), std::string::npos);
  for (size_t keep : {size_t{3}, size_t{30}, size_t{100}, static_cast<size_t>(f.data_offset) + 20}) {
    const std::string e = error_of(good.substr(0, keep));
    EXPECT_NE(e.find("bad.gguf: not a valid GGUF file"), std::string::npos) << keep << ": " << e;
  }
  s = good;
  const uint64_t huge = uint64_t{1} << 40;
  std::memcpy(s.data() + 16, &huge, 8);  // the metadata count
  EXPECT_NE(error_of(s).find("counts larger than the file"), std::string::npos);
  // b.weight's info: name, dimension count (4), two dimensions (16), type (4), offset (8).
  s = good;
  const size_t offset_at = good.find("b.weight") + 8 + 4 + 16 + 4;
  const uint64_t misaligned = 8;
  std::memcpy(s.data() + offset_at, &misaligned, 8);
  EXPECT_NE(error_of(s).find("b.weight: data offset 8 is not aligned"), std::string::npos);
  s = good;
  const uint32_t q4 = 2;
  std::memcpy(s.data() + offset_at - 4, &q4, 4);
  EXPECT_NE(error_of(s).find("b.weight: tensor type 2"), std::string::npos);
}

TEST(Gguf, AnUnwritableTargetLeavesNothingBehind) {
  testing::ScratchDir dir;
  GgufWriter w;
  w.AddU32("x", 1);
  testing::WriteText(dir / "a_file", "not a folder");
  EXPECT_NE(testing::UserErrorMessage([&] { w.Write(dir / "a_file/m.gguf"); }).find("a_file/m.gguf"),
            std::string::npos);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()), 1);
}

}  // namespace
}  // namespace elastiq
