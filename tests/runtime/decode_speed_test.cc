// The decode benchmark's pieces: random prompts stay past the special tokens and repeat with the
// seed, the roofline is bandwidth over bytes per token, and a measured run times real tokens.
#include "src/runtime/decode_speed.h"

#include <gtest/gtest.h>

#include "src/format/random_model.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

TEST(DecodeSpeed, RandomPromptIdsAvoidSpecialTokensAndRepeatWithTheSeed) {
  const std::vector<int> a = RandomPromptIds(50, 200, 7);
  EXPECT_EQ(a.size(), 200u);
  for (int id : a) {
    EXPECT_GE(id, 4);
    EXPECT_LT(id, 50);
  }
  EXPECT_EQ(RandomPromptIds(50, 200, 7), a);
  EXPECT_NE(RandomPromptIds(50, 200, 8), a);
}

TEST(DecodeSpeed, RooflineIsBandwidthOverBytesPerToken) {
  const Roofline r = DecodeRoofline(10e9, 100e6, 50.0);  // 10 GB/s, 100 MB per token, 50 tokens/s
  EXPECT_DOUBLE_EQ(r.tokens_per_s, 100.0);
  EXPECT_DOUBLE_EQ(r.fraction, 0.5);
}

TEST(DecodeSpeed, MeasuresPositiveRatesAndLeavesTheEngineAfterTheLastRepeat) {
  testing::ScratchDir dir;
  const ModelConfig c = ParseModelConfig(
      R"({"vocab_size":64,"d_model":32,"n_layers":1,"n_heads":2,"n_kv_heads":1,"ffn_dim":64,"max_seq_len":32})", "d");
  WriteRandomModel(dir / "m.h5", c, 1, "");
  auto store = WeightStore::Open(dir / "m.h5");
  Engine engine(*store, MaxnetSpec(c), {.threads = 1, .context = 16});
  const DecodeSpeed s = MeasureDecodeSpeed(engine, RandomPromptIds(c.vocab_size, 8), 4, 2);
  EXPECT_GT(s.prefill_tokens_per_s, 0.0);
  EXPECT_GT(s.decode_tokens_per_s, 0.0);
  EXPECT_EQ(engine.position(), 8 + 4);  // each repeat resets, prefills 8 and decodes 4
}

}  // namespace
}  // namespace elastiq
