// The distillation loss: zero only for equal distributions, and the tau^2-scaled KL by hand.
#include "supernet/distillation.h"

#include <gtest/gtest.h>

namespace elastiq {
namespace {

TEST(Distillation, KlIsZeroOnlyForEqualDistributionsAndMatchesAHandCount) {
  torch::manual_seed(1);
  torch::Tensor t = torch::randn({2, 5, 7}), s = torch::randn({2, 5, 7});
  EXPECT_NEAR(DistillationKl(t, t, 2.0).item<float>(), 0.0f, 1e-6);
  EXPECT_GT(DistillationKl(s, t, 1.0).item<float>(), 0.01f);
  // By hand for one row at tau = 2: tau^2 sum p_t (log p_t - log p_s).
  torch::Tensor pt = torch::softmax(t[0][0] / 2.0, -1), ps = torch::softmax(s[0][0] / 2.0, -1);
  float expected = 4.0f * (pt * (pt.log() - ps.log())).sum().item<float>();
  EXPECT_NEAR(DistillationKl(s[0][0].unsqueeze(0), t[0][0].unsqueeze(0), 2.0).item<float>(), expected, 1e-5);
}

}  // namespace
}  // namespace elastiq
