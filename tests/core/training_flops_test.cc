// The compute meter's formula against a count by hand for a tiny decoder and encoder.
#include "src/core/training_flops.h"

#include <gtest/gtest.h>

namespace elastiq {
namespace {

TEST(TrainingFlops, ForwardFlopsMatchAHandCount) {
  // vocab 10, d 4, 2 heads of 2 (q rows 4), 1 KV head (k, v rows 2), FFN 8, one block, T = 3.
  const ModelConfig c = ParseModelConfig(
      R"({"vocab_size":10,"d_model":4,"n_layers":1,"n_heads":2,"n_kv_heads":1,"ffn_dim":8,"max_seq_len":8})", "f");
  // weights 4*4 (q) + 2*4*2 (k, v) + 4*4 (o) + 3*4*8 (gate, up, down) = 144: 2*3*144 = 864;
  // attention 2 * 2 * 3^2 * 4 = 144; LM head 2 * 3 * 10 * 4 = 240.
  EXPECT_DOUBLE_EQ(ForwardFlops(c, MaxnetSpec(c), 1, 3), 864 + 144 + 240);
  EXPECT_DOUBLE_EQ(ForwardFlops(c, MaxnetSpec(c), 5, 3), 5 * 1248.0);
  // A subnet: d 2, FFN 4, the one KV group: weights 2*4 + 2*2*2 + 4*2 + 3*2*4 = 48.
  const SubnetSpec half{"half", {0}, 2, {4}, 1, 0};
  EXPECT_DOUBLE_EQ(ForwardFlops(c, half, 1, 3), 2 * 3 * 48 + 4 * 9 * 4 + 2 * 3 * 10 * 2);
  // repeat 2 runs the block twice; an encoder's head is 2 d n_classes once per sequence.
  const ModelConfig e = ParseModelConfig(
      R"({"kind":"encoder","n_classes":3,"vocab_size":10,"d_model":4,"n_layers":1,"repeat":2,"n_heads":2,"n_kv_heads":1,"ffn_dim":8,"max_seq_len":8})",
      "e");
  EXPECT_DOUBLE_EQ(ForwardFlops(e, MaxnetSpec(e), 1, 3), 2 * (864 + 144) + 2 * 4 * 3);
}

}  // namespace
}  // namespace elastiq
