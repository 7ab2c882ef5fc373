// Runtime evaluation of a decoder: its loss is the mean next-token cross-entropy of the engine's
// logits over the sample's windows (the whole split, or windows spread over it), its top-1 ids are
// those logits' argmax at every position, and its top-1 accuracy counts the argmax that hit the
// next token (all recomputed here from the engine).
#include "src/runtime/runtime_eval.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "src/format/random_model.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

TEST(RuntimeEval, LossAndTop1ComeFromTheEnginesLogits) {
  testing::ScratchDir dir;
  const ModelConfig c = ParseModelConfig(
      R"({"name":"r","vocab_size":40,"d_model":32,"n_layers":1,"n_heads":2,"n_kv_heads":1,"ffn_dim":64,"max_seq_len":8})",
      "r");
  WriteRandomModel(dir / "m.h5", c, 11, "");
  auto store = WeightStore::Open(dir / "m.h5");
  Engine engine(*store, MaxnetSpec(c), {.threads = 1});
  const std::vector<int32_t> ids = testing::LearnableStream(12 * 8 + 1, 3);
  for (int64_t budget : {0, 3 * 8}) {  // the whole split (12 windows), and 3 windows spread over it
    const ValidationSample sample = SampleTextWindows(static_cast<int64_t>(ids.size()), 8, budget);
    ASSERT_EQ(sample.how, budget == 0 ? "all" : "spread");
    const int64_t n = 8 * static_cast<int64_t>(sample.picks.size());
    const RuntimeEvalResult r = EvaluateLmWithEngine(engine, ids, 8, sample);
    ASSERT_EQ(r.count, n);
    ASSERT_EQ(static_cast<int64_t>(r.top1.size()), n);
    double nll = 0.0;
    int hits = 0, position = 0;
    for (int64_t start : sample.picks) {
      engine.Reset();
      const std::vector<int> window(ids.begin() + start, ids.begin() + start + 8);
      std::span<const float> logits = engine.Feed(window, /*all_logits=*/true);
      for (int t = 0; t < 8; ++t, ++position) {
        const float* row = logits.data() + t * 40;
        const int target = ids[static_cast<size_t>(start + t + 1)];
        double sum = 0.0;
        for (int v = 0; v < 40; ++v) sum += std::exp(static_cast<double>(row[v]));
        nll += std::log(sum) - row[target];
        const int best = static_cast<int>(std::max_element(row, row + 40) - row);
        EXPECT_EQ(r.top1[static_cast<size_t>(position)], best) << "position " << position;
        hits += best == target;
      }
    }
    EXPECT_NEAR(r.loss, nll / static_cast<double>(n), 1e-6);  // the runtime subtracts the max in float first
    EXPECT_DOUBLE_EQ(r.top1_accuracy, hits / static_cast<double>(n));
  }
}

}  // namespace
}  // namespace elastiq
