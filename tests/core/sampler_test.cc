// Sampler: greedy is argmax, top-k / top-p restrict the support, seeds reproduce, bad options refused.
#include "src/runtime/sampler.h"

#include <gtest/gtest.h>

#include <map>

#include "src/core/error.h"

namespace elastiq {
namespace {

const std::vector<float> kLogits = {0.1f, 2.0f, 1.9f, -1.0f, 0.5f};

TEST(Sampler, GreedyIsArgmax) {
  Sampler s({.temperature = 0.0f});
  EXPECT_EQ(s.Sample(kLogits), 1);
}

TEST(Sampler, TopKOneIsArgmax) {
  Sampler s({.temperature = 1.0f, .top_k = 1, .top_p = 1.0f, .seed = 7});
  for (int i = 0; i < 20; ++i) EXPECT_EQ(s.Sample(kLogits), 1);
}

TEST(Sampler, TopKTwoStaysInTheTopTwoAndUsesBoth) {
  Sampler s({.temperature = 1.0f, .top_k = 2, .top_p = 1.0f, .seed = 3});
  std::map<int, int> seen;
  for (int i = 0; i < 400; ++i) seen[s.Sample(kLogits)]++;
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_GT(seen[1], 100);
  EXPECT_GT(seen[2], 100);
}

TEST(Sampler, TopPKeepsTheSmallestNucleus) {
  // softmax(kLogits): p[1] ~ 0.43, p[2] ~ 0.39; top_p 0.5 keeps exactly {1, 2}.
  Sampler s({.temperature = 1.0f, .top_k = 0, .top_p = 0.5f, .seed = 1});
  for (int i = 0; i < 200; ++i) {
    int t = s.Sample(kLogits);
    EXPECT_TRUE(t == 1 || t == 2) << t;
  }
}

TEST(Sampler, SameSeedSameSequence) {
  SamplerOptions o{.temperature = 1.5f, .top_k = 0, .top_p = 1.0f, .seed = 42};
  Sampler a(o), b(o);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(a.Sample(kLogits), b.Sample(kLogits));
}

TEST(Sampler, RejectsBadOptions) {
  EXPECT_THROW(Sampler({.temperature = -1.0f}), UserError);
  EXPECT_THROW(Sampler({.temperature = 1.0f, .top_k = -2}), UserError);
  EXPECT_THROW(Sampler({.temperature = 1.0f, .top_k = 0, .top_p = 0.0f}), UserError);
}

}  // namespace
}  // namespace elastiq
