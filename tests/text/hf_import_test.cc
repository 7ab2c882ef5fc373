// import hf against an independent oracle: tiny Hugging Face folders written here (random weights in
// F32, F16 and BF16, one file or sharded, a SentencePiece model trained on the fly) are imported, and
// the runtime's logits equal those of hf_llama_reference.py, a plain-Python modeling_llama forward
// that shares no code with elastiq, within 1e-4 relative. The same check fails when Q/K come in
// llama.cpp's interleaved order instead, and broken folders are one clear error with nothing written.
#include "src/text/hf_import.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <sstream>
#include <tuple>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/format/safetensors.h"
#include "src/runtime/engine.h"
#include "src/text/tokenizer.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

using Tensors = std::map<std::string, std::pair<std::vector<int64_t>, std::vector<float>>>;

constexpr int kVocab = 400, kHidden = 64, kHeads = 4, kKvHeads = 2, kFfn = 96, kLayers = 2;
const std::vector<int> kIds = {1, 17, 5, 90, 33, 250};

nlohmann::json Config() {
  return {{"architectures", {"LlamaForCausalLM"}},
          {"model_type", "llama"},
          {"hidden_size", kHidden},
          {"num_hidden_layers", kLayers},
          {"num_attention_heads", kHeads},
          {"num_key_value_heads", kKvHeads},
          {"intermediate_size", kFfn},
          {"vocab_size", kVocab},
          {"max_position_embeddings", 64},
          {"rms_norm_eps", 1e-5},
          {"rope_theta", 500000.0},
          {"tie_word_embeddings", true},
          {"hidden_act", "silu"},
          {"bos_token_id", 1},
          {"eos_token_id", 2},
          {"attention_bias", false},
          {"rope_scaling", nullptr}};
}

Tensors RandomWeights() {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 0.08f);
  Tensors t;
  const auto add = [&](const std::string& name, std::vector<int64_t> shape, bool norm) {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = norm ? 1.0f + normal(rng) : normal(rng);
    t[name] = {shape, v};
  };
  const int64_t hd = kHidden / kHeads;
  add("model.embed_tokens.weight", {kVocab, kHidden}, false);
  add("model.norm.weight", {kHidden}, true);
  for (int l = 0; l < kLayers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    add(p + "input_layernorm.weight", {kHidden}, true);
    add(p + "post_attention_layernorm.weight", {kHidden}, true);
    add(p + "self_attn.q_proj.weight", {kHeads * hd, kHidden}, false);
    add(p + "self_attn.k_proj.weight", {kKvHeads * hd, kHidden}, false);
    add(p + "self_attn.v_proj.weight", {kKvHeads * hd, kHidden}, false);
    add(p + "self_attn.o_proj.weight", {kHidden, kHeads * hd}, false);
    add(p + "mlp.gate_proj.weight", {kFfn, kHidden}, false);
    add(p + "mlp.up_proj.weight", {kFfn, kHidden}, false);
    add(p + "mlp.down_proj.weight", {kHidden, kFfn}, false);
  }
  return t;
}

class HfImport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::ScratchDir();
    TrainTokenizer(testing::Lines(testing::SyntheticText(2000, 4)), {.vocab_size = kVocab, .threads = 1},
                   *dir_ / "tokenizer.model");
  }
  static void TearDownTestSuite() { delete dir_; }

  // A folder with config.json, tokenizer.model and the weights in one file or in two shards.
  static std::string Folder(const std::string& name, const Tensors& weights, SafetensorsDType dtype, bool sharded,
                            const nlohmann::json& config = Config()) {
    const std::string folder = *dir_ / name;
    std::filesystem::create_directories(folder);
    WriteFileAtomically(folder + "/config.json", config.dump(2));
    std::filesystem::copy_file(*dir_ / "tokenizer.model", folder + "/tokenizer.model");
    if (!sharded) {
      WriteSafetensors(folder + "/model.safetensors", weights, dtype);
      return folder;
    }
    Tensors first, second;
    nlohmann::json map = nlohmann::json::object();
    for (const auto& [n, t] : weights) {
      const bool in_first = n.find("layers.1.") == std::string::npos;
      (in_first ? first : second)[n] = t;
      map[n] = in_first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
    }
    WriteSafetensors(folder + "/model-00001-of-00002.safetensors", first, dtype);
    WriteSafetensors(folder + "/model-00002-of-00002.safetensors", second, dtype);
    WriteFileAtomically(folder + "/model.safetensors.index.json", nlohmann::json{{"weight_map", map}}.dump());
    return folder;
  }

  static std::vector<std::vector<float>> ReferenceLogits(const std::string& folder) {
    std::string ids;
    for (int id : kIds) ids += (ids.empty() ? "" : ",") + std::to_string(id);
    const testing::CommandResult r = testing::RunCommand("python3 " + std::string(ELASTIQ_SOURCE_DIR) +
                                                         "/tests/text/hf_llama_reference.py " + folder + " " + ids);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out).get<std::vector<std::vector<float>>>();
  }

  static std::vector<std::vector<float>> RuntimeLogits(const std::string& model) {
    auto store = WeightStore::Open(model);
    Engine engine(*store, MaxnetSpec(store->config()), {.threads = 1});
    const std::span<const float> all = engine.Feed(kIds, /*all_logits=*/true);
    std::vector<std::vector<float>> out;
    for (size_t t = 0; t < kIds.size(); ++t) out.emplace_back(all.begin() + t * kVocab, all.begin() + (t + 1) * kVocab);
    return out;
  }

  // max |ours - theirs| / max |theirs| over every position and token.
  static double RelativeError(const std::vector<std::vector<float>>& ours, const std::vector<std::vector<float>>& ref) {
    double diff = 0, scale = 0;
    for (size_t t = 0; t < ref.size(); ++t) {
      for (size_t i = 0; i < ref[t].size(); ++i) {
        diff = std::max(diff, static_cast<double>(std::abs(ours[t][i] - ref[t][i])));
        scale = std::max(scale, static_cast<double>(std::abs(ref[t][i])));
      }
    }
    return diff / scale;
  }

  static testing::ScratchDir* dir_;
};
testing::ScratchDir* HfImport::dir_ = nullptr;

TEST_F(HfImport, LogitsMatchAnIndependentModelingLlamaForward) {
  const Tensors weights = RandomWeights();
  for (const auto& [name, dtype, sharded] :
       {std::tuple{"f32", SafetensorsDType::kF32, false}, std::tuple{"f16", SafetensorsDType::kF16, false},
        std::tuple{"bf16", SafetensorsDType::kBF16, true}}) {
    const std::string folder = Folder(name, weights, dtype, sharded), model = *dir_ / (std::string(name) + ".h5");
    const HfImportSummary s = ImportHfCheckpoint(folder, model);
    EXPECT_EQ(s.tensors, 2 + kLayers * 9);
    EXPECT_EQ(s.config.rope_theta, 500000.0);
    const double error = RelativeError(RuntimeLogits(model), ReferenceLogits(folder));
    std::printf("%s: max |logit difference| / max |logit| = %.2e\n", name, error);
    EXPECT_LT(error, 1e-4) << name;
    EXPECT_GT(error, 0.0) << name << ": suspiciously exact";
  }
}

TEST_F(HfImport, TheCheckFailsWhenQAndKComeInTheOtherRopeOrder) {
  Tensors weights = RandomWeights();
  const std::string reference_folder = Folder("ref", weights, SafetensorsDType::kF32, false);
  // llama.cpp's order: each head's rows 2i, 2i+1 = Hugging Face's i, i + head_dim/2.
  const int64_t hd = kHidden / kHeads;
  for (auto& [name, tensor] : weights) {
    if (name.find("q_proj") == std::string::npos && name.find("k_proj") == std::string::npos) continue;
    std::vector<float>& w = tensor.second;
    const std::vector<float> original = w;
    for (int64_t h = 0; h < tensor.first[0] / hd; ++h) {
      for (int64_t i = 0; i < hd / 2; ++i) {
        for (int64_t c = 0; c < kHidden; ++c) {
          w[((h * hd) + 2 * i) * kHidden + c] = original[(h * hd + i) * kHidden + c];
          w[((h * hd) + 2 * i + 1) * kHidden + c] = original[(h * hd + hd / 2 + i) * kHidden + c];
        }
      }
    }
  }
  const std::string swapped = Folder("swapped", weights, SafetensorsDType::kF32, false);
  ImportHfCheckpoint(swapped, *dir_ / "swapped.h5");
  const double error = RelativeError(RuntimeLogits(*dir_ / "swapped.h5"), ReferenceLogits(reference_folder));
  std::printf("Q/K in the interleaved order: relative error %.2e\n", error);
  EXPECT_GT(error, 1e-2);
}

TEST_F(HfImport, BrokenFoldersAreOneClearErrorAndWriteNothing) {
  const Tensors weights = RandomWeights();
  const std::string out = *dir_ / "never.h5";
  const auto error_of = [&](const std::string& folder) {
    return testing::UserErrorMessage([&] { ImportHfCheckpoint(folder, out); });
  };
  const std::string good = Folder("good", weights, SafetensorsDType::kF32, false);
  const std::string st = good + "/model.safetensors";
  const std::string bytes = ReadFileBytes(st);
  // Truncated data, a header that claims more than the file, an unknown dtype.
  WriteFileAtomically(st, bytes.substr(0, bytes.size() - 100));
  EXPECT_NE(error_of(good).find("run past the data"), std::string::npos) << error_of(good);
  std::string long_header = bytes;
  const uint64_t huge = bytes.size();
  std::memcpy(long_header.data(), &huge, 8);
  WriteFileAtomically(st, long_header);
  EXPECT_NE(error_of(good).find("header length"), std::string::npos);
  std::string i8 = bytes;
  const size_t at = i8.find("\"F32\"");
  i8.replace(at, 5, "\"I32\"");
  WriteFileAtomically(st, i8);
  EXPECT_NE(error_of(good).find("dtype I32 is not supported"), std::string::npos);
  WriteFileAtomically(st, bytes);
  // Unsupported features by name; tokenizer problems; a tensor with no place.
  for (const auto& [key, value, needle] :
       {std::tuple{"attention_bias", nlohmann::json(true), "attention_bias is not supported"},
        std::tuple{"rope_scaling", nlohmann::json{{"type", "linear"}}, "rope_scaling is not supported"},
        std::tuple{"tie_word_embeddings", nlohmann::json(false), "untied LM head"},
        std::tuple{"hidden_act", nlohmann::json("gelu"), "hidden_act \"gelu\""},
        std::tuple{"model_type", nlohmann::json("qwen2"), "model_type \"qwen2\""}}) {
    nlohmann::json c = Config();
    c[key] = value;
    WriteFileAtomically(good + "/config.json", c.dump());
    EXPECT_NE(error_of(good).find(needle), std::string::npos) << key << ": " << error_of(good);
  }
  WriteFileAtomically(good + "/config.json", Config().dump());
  std::filesystem::rename(good + "/tokenizer.model", good + "/hidden.model");
  WriteFileAtomically(good + "/tokenizer.json", "{}");
  EXPECT_NE(error_of(good).find("only tokenizer.json"), std::string::npos);
  std::filesystem::rename(good + "/hidden.model", good + "/tokenizer.model");
  Tensors extra = weights;
  extra["model.layers.0.self_attn.q_proj.bias"] = {{kHidden}, std::vector<float>(kHidden, 0.0f)};
  const std::string biased = Folder("biased", extra, SafetensorsDType::kF32, false);
  EXPECT_NE(error_of(biased).find("\"model.layers.0.self_attn.q_proj.bias\" has no place"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace elastiq
