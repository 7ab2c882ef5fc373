// Our AdamW matches LibTorch's torch::optim::AdamW (per-parameter LR scales too), and the LR schedule has the
// promised shape.
#include "supernet/adamw.h"

#include <gtest/gtest.h>

namespace elastiq {
namespace {

TEST(AdamW, MatchesLibTorchAdamW) {
  torch::manual_seed(0);
  torch::Tensor ours = torch::randn({5, 3}).requires_grad_(true);
  torch::Tensor theirs = ours.detach().clone().requires_grad_(true);
  AdamW opt({{"w", ours}}, {.beta1 = 0.9, .beta2 = 0.95, .eps = 1e-8, .weight_decay = 0.1});
  torch::optim::AdamW ref({theirs}, torch::optim::AdamWOptions(0.01).betas({0.9, 0.95}).eps(1e-8).weight_decay(0.1));
  for (int step = 0; step < 5; ++step) {
    torch::Tensor target = torch::randn({5, 3});
    (ours - target).pow(2).sum().backward();
    (theirs - target).pow(2).sum().backward();
    opt.Step(0.01);
    ref.step();
    opt.ZeroGrad();
    ref.zero_grad();
    EXPECT_TRUE(torch::allclose(ours, theirs, 1e-6, 1e-7)) << "step " << step;
  }
  EXPECT_EQ(opt.steps_taken(), 5);
}

// A parameter with lr scale s follows LibTorch's AdamW at lr * s, weight decay included, beside one at scale 1.
TEST(AdamW, PerParameterLrScales) {
  torch::manual_seed(1);
  torch::Tensor a = torch::randn({4, 3}).requires_grad_(true), b = torch::randn({3, 2}).requires_grad_(true);
  torch::Tensor ref_a = a.detach().clone().requires_grad_(true), ref_b = b.detach().clone().requires_grad_(true);
  AdamW opt({{"a", a}, {"b", b}}, {.weight_decay = 0.1}, {1.0, 0.25});
  torch::optim::AdamW full({ref_a}, torch::optim::AdamWOptions(0.02).betas({0.9, 0.95}).eps(1e-8).weight_decay(0.1));
  torch::optim::AdamW quarter({ref_b},
                              torch::optim::AdamWOptions(0.005).betas({0.9, 0.95}).eps(1e-8).weight_decay(0.1));
  for (int step = 0; step < 4; ++step) {
    torch::Tensor ta = torch::randn({4, 3}), tb = torch::randn({3, 2});
    ((a - ta).pow(2).sum() + (b - tb).pow(2).sum()).backward();
    ((ref_a - ta).pow(2).sum() + (ref_b - tb).pow(2).sum()).backward();
    opt.Step(0.02);
    full.step();
    quarter.step();
    opt.ZeroGrad();
    full.zero_grad();
    quarter.zero_grad();
    EXPECT_TRUE(torch::allclose(a, ref_a, 1e-6, 1e-7)) << "step " << step;
    EXPECT_TRUE(torch::allclose(b, ref_b, 1e-6, 1e-7)) << "step " << step;
  }
  EXPECT_THROW(AdamW({{"a", a}}, {}, {1.0, 2.0}), std::invalid_argument);
}

TEST(AdamW, WarmupThenCosine) {
  EXPECT_DOUBLE_EQ(WarmupCosineLr(0, 100, 10, 1.0, 0.1), 0.1);
  EXPECT_DOUBLE_EQ(WarmupCosineLr(9, 100, 10, 1.0, 0.1), 1.0);
  EXPECT_NEAR(WarmupCosineLr(55, 100, 10, 1.0, 0.1), 0.55, 1e-9);  // halfway down
  EXPECT_NEAR(WarmupCosineLr(100, 100, 10, 1.0, 0.1), 0.1, 1e-12);
  EXPECT_GT(WarmupCosineLr(30, 100, 10, 1.0, 0.1), WarmupCosineLr(60, 100, 10, 1.0, 0.1));
}

}  // namespace
}  // namespace elastiq
