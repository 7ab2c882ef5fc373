// torch.save state dicts through LibTorch's loader: files in PyTorch's zip format, written by
// tests/common/write_torch_save.py (plain dict and OrderedDict, F32/F16/BF16), load with their
// names, shapes, dtypes and values; the OrderedDict rewrite is checked opcode by opcode; bad files
// are one clear UserError.
#include "supernet/torch_state_dict.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

using namespace std::string_literals;

// Writes SPEC as a torch.save file with the Python writer; returns its path.
std::string WriteTorchSave(const testing::ScratchDir& dir, const std::string& name, const nlohmann::json& spec,
                           bool ordered) {
  WriteFileAtomically(dir / (name + ".json"), spec.dump());
  const testing::CommandResult r =
      testing::RunCommand("python3 " + std::string(ELASTIQ_SOURCE_DIR) + "/tests/common/write_torch_save.py " +
                          (dir / (name + ".bin")) + " " + (dir / (name + ".json")) + (ordered ? " --ordered" : ""));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return dir / (name + ".bin");
}

const nlohmann::json kSpec = {
    {"model.embed_tokens.weight", {{"dtype", "F32"}, {"shape", {2, 3}}, {"values", {1, 2, 3, 4, 5, 6.5}}}},
    {"model.norm.weight", {{"dtype", "BF16"}, {"shape", {2}}, {"values", {1.5, -2.0}}}},
    {"lm_head.weight", {{"dtype", "F16"}, {"shape", {3}}, {"values", {0.25, 3, -1}}}}};

TEST(TorchStateDict, DictsAndOrderedDictsLoadWithTheirValues) {
  testing::ScratchDir dir;
  for (const bool ordered : {false, true}) {
    const auto tensors = LoadTorchStateDict(WriteTorchSave(dir, ordered ? "ordered" : "plain", kSpec, ordered));
    ASSERT_EQ(tensors.size(), 3u) << ordered;
    const torch::Tensor& embed = tensors.at("model.embed_tokens.weight");
    EXPECT_EQ(embed.sizes().vec(), (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(embed.dtype(), torch::kFloat32);
    EXPECT_FLOAT_EQ(embed[1][2].item<float>(), 6.5f);
    EXPECT_EQ(tensors.at("model.norm.weight").dtype(), torch::kBFloat16);
    EXPECT_FLOAT_EQ(tensors.at("model.norm.weight")[1].item<float>(), -2.0f);
    EXPECT_EQ(tensors.at("lm_head.weight").dtype(), torch::kFloat16);
    EXPECT_FLOAT_EQ(tensors.at("lm_head.weight")[0].item<float>(), 0.25f);
  }
}

TEST(TorchStateDict, OrderedDictCallsBecomeEmptyDicts) {
  const std::string od = "ccollections\nOrderedDict\n";
  // PROTO 2; OrderedDict memoized in slot 0 and called; a later call through BINGET 0; STOP.
  const std::string in = "\x80\x02"s + od + "q\x00)Rq\x01(h\x00)Ru."s;
  EXPECT_EQ(RewriteOrderedDicts(in, "t"), "\x80\x02}q\x01(}u."s);
  // Other opcodes pass through unchanged, their arguments included (a BINUNICODE holding ")R").
  const std::string text = "\x80\x02X\x02\x00\x00\x00)R."s;
  EXPECT_EQ(RewriteOrderedDicts(text, "t"), text);
  EXPECT_NE(testing::UserErrorMessage([&] {
              RewriteOrderedDicts("\x80\x02" + od + "(K\x01tR.", "f.bin");
            }).find("f.bin: OrderedDict used other than as OrderedDict()"),
            std::string::npos);
  EXPECT_NE(testing::UserErrorMessage([&] {
              RewriteOrderedDicts("\x80\x02\x95.", "f.bin");
            }).find("pickle opcode 0x95 is outside the protocol-2 subset"),
            std::string::npos);
  EXPECT_NE(testing::UserErrorMessage([&] {
              RewriteOrderedDicts("\x80\x02X\xff\x00\x00\x00"s + "ab", "f.bin");
            }).find("ends inside an opcode"),
            std::string::npos);
}

TEST(TorchStateDict, FilesThatAreNotStateDictsAreOneClearError) {
  testing::ScratchDir dir;
  WriteFileAtomically(dir / "notzip.bin", "this is not a zip archive");
  EXPECT_NE(testing::UserErrorMessage([&] {
              LoadTorchStateDict(dir / "notzip.bin");
            }).find("notzip.bin: not a torch.save archive LibTorch can open"),
            std::string::npos);
}

}  // namespace
}  // namespace elastiq
