// The fp16 KV cache: what it stores and reads back on a tiny case worked out by hand (nonzero
// rounding, so a cache that silently stayed fp32 fails); an engine with it stays within a stated
// tolerance of the fp32-cache engine over prefill and decode; sessions pass the format on.
#include "src/runtime/kv_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "src/core/error.h"
#include "src/core/fp16.h"
#include "src/format/random_model.h"
#include "src/runtime/engine.h"
#include "src/runtime/session.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

float RoundedToF16(float v) { return F16ToF32(F32ToF16(v)); }

TEST(KvCache, NamesBytesAndBadNames) {
  EXPECT_EQ(ParseKvCacheFormat("f16"), KvCacheFormat::kF16);
  EXPECT_EQ(ParseKvCacheFormat("f32"), KvCacheFormat::kF32);
  EXPECT_EQ(KvCacheBytes(KvCacheFormat::kF16, 30, 2048, 192), 2 * 30 * 2048 * 192 * 2);
  EXPECT_EQ(KvCacheBytes(KvCacheFormat::kF32, 30, 2048, 192), 2 * 30 * 2048 * 192 * 4);
  try {
    ParseKvCacheFormat("fp16");
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "--kv-cache must be f32 or f16, got \"fp16\"");
  }
}

// Two heads of width 4 (width 8), 2 layers, 3 positions; head 1 of layer 1 is read back.
TEST(KvCache, Fp16StoresRoundedValuesAndAttentionReadsThem) {
  const KernelTable kernels = MakeKernelTable(SelectIsa());
  const float third = 1.0f / 3.0f;
  ASSERT_NE(RoundedToF16(third), third);  // the case is only a test if fp16 changes the values
  std::vector<float> k(3 * 8), v(3 * 8);
  for (size_t i = 0; i < k.size(); ++i) {
    k[i] = third * static_cast<float>(i + 1);
    v[i] = -0.1f * static_cast<float>(i + 1);
  }
  for (KvCacheFormat format : {KvCacheFormat::kF32, KvCacheFormat::kF16}) {
    SCOPED_TRACE(KvCacheFormatName(format));
    auto stored = [&](float x) { return format == KvCacheFormat::kF16 ? RoundedToF16(x) : x; };
    KvCache cache(format, 2, 3, 8);
    EXPECT_EQ(cache.bytes(), 2 * 2 * 3 * 8 * KvCacheElementBytes(format));
    cache.Store(kernels, 1, 0, 1, k.data(), v.data());          // position 0
    cache.Store(kernels, 1, 1, 2, k.data() + 8, v.data() + 8);  // positions 1, 2 at once
    // Two query heads share head 1: one-hot queries read the keys' columns 2 and 1 of head 1 (elements
    // 4 + 2 and 4 + 1) back exactly.
    const float q[8] = {0.0f, 0.0f, 1.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f};
    float scores[2 * 3];
    cache.Scores(kernels, 1, 4, q, 2, 4, 3, scores, 3);
    for (int j = 0; j < 3; ++j) {
      EXPECT_EQ(scores[j], stored(k[static_cast<size_t>(j * 8 + 6)])) << "key " << j;
      EXPECT_EQ(scores[3 + j], stored(k[static_cast<size_t>(j * 8 + 5)])) << "key " << j;
    }
    // Query head 0 weights the values (0.5, 0, 0.5): the mean of rows 0 and 2 of head 1, added to what out
    // held; query head 1 weights (0, 1, 0): row 1.
    const float p[2 * 3] = {0.5f, 0.0f, 0.5f, 0.0f, 1.0f, 0.0f};
    float out[2 * 4] = {1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
    cache.AccumulateValues(kernels, 1, 4, p, 3, 2, 3, out, 4);
    for (int i = 0; i < 4; ++i) {
      const float want =
          1.0f + 0.5f * stored(v[static_cast<size_t>(4 + i)]) + 0.5f * stored(v[static_cast<size_t>(16 + 4 + i)]);
      EXPECT_NEAR(out[i], want, 1e-6f) << "element " << i;
      EXPECT_NEAR(out[4 + i], 1.0f + stored(v[static_cast<size_t>(8 + 4 + i)]), 1e-6f) << "element " << i;
    }
    // fp16 is off from the exact values by its rounding, fp32 is not.
    const float exact = 1.0f + 0.5f * v[4] + 0.5f * v[20];
    if (format == KvCacheFormat::kF16) {
      EXPECT_GT(std::fabs(out[0] - exact), 1e-5f);
    } else {
      EXPECT_NEAR(out[0], exact, 1e-6f);
    }
  }
}

ModelConfig Config() {
  return ParseModelConfig(
      R"({"name":"kv","vocab_size":256,"d_model":128,"n_layers":3,"n_heads":4,"n_kv_heads":2,"ffn_dim":256,"max_seq_len":128})",
      "kv");
}

double MaxAbs(std::span<const float> v) {
  double m = 0.0;
  for (float x : v) m = std::max(m, std::fabs(static_cast<double>(x)));
  return m;
}

// Prefill of 48 tokens (every position's logits) and 24 decode steps: the fp16-cache logits differ
// from the fp32-cache ones, by at most 1e-3 of the largest logit. Where that comes from: fp16
// rounds each cached key and value by at most 2^-11 (4.9e-4) of itself; attention scores and
// outputs are weighted sums of them, so their errors are of that order relative to the terms, and
// the residual stream dilutes them on the way to the logits. Measured here: 1.6e-4.
TEST(KvCache, Fp16EngineStaysCloseToFp32) {
  testing::ScratchDir dir;
  WriteRandomModel(dir / "m.h5", Config(), 3, "");
  auto store = WeightStore::Open(dir / "m.h5");
  const SubnetSpec spec = MaxnetSpec(Config());
  Engine f32(*store, spec, {.threads = 2, .kv_cache = KvCacheFormat::kF32});
  Engine f16(*store, spec, {.threads = 2, .kv_cache = KvCacheFormat::kF16});
  std::vector<int> prompt(48);
  for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = static_cast<int>((i * 37 + 11) % 252) + 4;
  double max_relative = 0.0;  // over all logits compared, |f16 - f32| / max |f32|
  auto check = [&](std::span<const float> a, std::span<const float> b, const std::string& where) {
    ASSERT_EQ(a.size(), b.size());
    const double scale = MaxAbs(a);
    for (size_t i = 0; i < a.size(); ++i) {
      const double d = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
      max_relative = std::max(max_relative, d / scale);
      ASSERT_LE(d, 1e-3 * scale) << where << ", logit " << i;
    }
  };
  std::span<const float> logits = f32.Feed(prompt, /*all_logits=*/true);
  check(logits, f16.Feed(prompt, /*all_logits=*/true), "prefill");
  // Decode: both engines are fed the fp32 engine's greedy token, so they see the same context.
  for (int step = 0; step < 24; ++step) {
    const std::span<const float> last = logits.last(256);
    const int next = static_cast<int>(std::max_element(last.begin(), last.end()) - last.begin());
    logits = f32.Feed(std::span(&next, 1));
    check(logits, f16.Feed(std::span(&next, 1)), "decode step " + std::to_string(step));
  }
  EXPECT_EQ(f16.position(), 48 + 24);
  RecordProperty("max_relative_difference", std::to_string(max_relative));
  EXPECT_GT(max_relative, 0.0) << "fp16 and fp32 caches gave identical logits: is the fp16 cache used?";
}

TEST(KvCache, SessionsRunAndCountTheChosenFormat) {
  testing::ScratchDir dir;
  WriteRandomModel(dir / "m.h5", Config(), 4, "");
  auto store = WeightStore::Open(dir / "m.h5");
  for (KvCacheFormat kv : {KvCacheFormat::kF32, KvCacheFormat::kF16}) {
    Session s(*store, {.kv_cache = kv, .threads = 1, .context = 64});
    s.SelectByName("maxnet");
    EXPECT_EQ(s.engine().kv_cache_format(), kv);
    EXPECT_EQ(s.current_entry().footprint.kv_cache, s.engine().kv_cache_bytes());
    EXPECT_EQ(s.engine().kv_cache_bytes(), KvCacheBytes(kv, 3, 64, 64));
    const std::vector<int> prompt = {1, 5, 9};
    EXPECT_EQ(s.Append(prompt).size(), 256u);
  }
}

}  // namespace
}  // namespace elastiq
