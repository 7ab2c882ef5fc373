// GradientReducer on two ranks (threads of this process meeting on the loopback): every gradient ends
// as the mean over the ranks, earlier passes of the step included; buckets start during backward;
// parameters used by one rank, by none, or only in earlier passes; one process is plain backward.
#include "supernet/gradient_reducer.h"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "src/core/loopback_port.h"

namespace elastiq {
namespace {

// Runs body(dp, rank) on two ranks, each in its own thread; rethrows a rank's failure.
void OnTwoRanks(const std::function<void(DataParallel&, int)>& body) {
  const std::string master = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
  std::vector<std::exception_ptr> errors(2);
  std::vector<std::thread> ranks;
  for (int r = 0; r < 2; ++r) {
    ranks.emplace_back([&, r] {
      try {
        ParallelOptions o{.world_size = 2, .rank = r, .master = master, .timeout_s = 60};
        DataParallel dp(o, "one fingerprint");
        body(dp, r);
      } catch (...) {
        errors[r] = std::current_exception();
      }
    });
  }
  for (std::thread& t : ranks) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

// Parameters of 2.4 MB each (a bucket holds one), seeded alike on both ranks.
std::vector<torch::Tensor> ChainParams(int count) {
  torch::manual_seed(7);
  std::vector<torch::Tensor> params;
  for (int k = 0; k < count; ++k) params.push_back((0.1 * torch::randn({600, 1000})).requires_grad_(true));
  return params;
}

// A chain, so backward reaches the last parameter first: h = tanh(h * p_k) row-wise summed, with a
// rank-dependent input and weight. Returns the loss.
torch::Tensor ChainLoss(const std::vector<torch::Tensor>& params, int rank) {
  torch::Tensor h = torch::full({600, 1000}, 0.5 + 0.25 * rank);
  for (const torch::Tensor& p : params) h = torch::tanh(h * p + 0.1);
  return (1 + rank) * h.sum();
}

TEST(GradientReducer, EveryGradientIsTheMeanAndBucketsStartDuringBackward) {
  // What each rank's gradients are alone (no reduction), then their mean.
  std::vector<std::vector<torch::Tensor>> alone(2);
  for (int r = 0; r < 2; ++r) {
    std::vector<torch::Tensor> params = ChainParams(6);
    ChainLoss(params, r).backward();
    for (const torch::Tensor& p : params) alone[r].push_back(p.grad().clone());
  }
  std::vector<std::vector<torch::Tensor>> ranks_params = {ChainParams(6), ChainParams(6)};  // the RNG is global
  OnTwoRanks([&](DataParallel& dp, int rank) {
    std::vector<torch::Tensor>& params = ranks_params[rank];
    GradientReducer reducer(dp, params);
    ASSERT_EQ(reducer.buckets(), 6u);
    for (int step = 0; step < 2; ++step) {  // the hooks stay for the next step
      for (torch::Tensor& p : params) p.mutable_grad() = torch::Tensor();
      reducer.LastBackward(ChainLoss(params, rank));
      EXPECT_EQ(reducer.started_in_backward(), 6u) << "every bucket starts before backward ends";
      for (size_t k = 0; k < params.size(); ++k) {
        const torch::Tensor mean = (alone[0][k] + alone[1][k]) / 2;
        EXPECT_TRUE(torch::allclose(params[k].grad(), mean, 1e-6, 1e-9))
            << "rank " << rank << " parameter " << k << " step " << step;
        EXPECT_FALSE(torch::allclose(params[k].grad(), alone[rank][k], 1e-3, 1e-6)) << "the ranks' gradients differ";
      }
    }
  });
}

// a: both passes, both ranks; b: the earlier pass only; c: the last pass on rank 0 only; d: never.
TEST(GradientReducer, EarlierPassesOneRanksParametersAndUnusedOnes) {
  const auto make = [] {
    torch::manual_seed(3);
    std::vector<torch::Tensor> p;
    for (int k = 0; k < 4; ++k) p.push_back(torch::randn({3, 4}).requires_grad_(true));
    return p;
  };
  const auto earlier = [](const std::vector<torch::Tensor>& p, int rank) { return ((1 + rank) * p[0] * p[1]).sum(); };
  const auto last = [](const std::vector<torch::Tensor>& p, int rank) {
    torch::Tensor loss = (p[0].pow(2) * (2 - rank)).sum();
    return rank == 0 ? loss + p[2].pow(3).sum() : loss;
  };
  std::vector<std::vector<torch::Tensor>> alone(2);
  for (int r = 0; r < 2; ++r) {
    std::vector<torch::Tensor> p = make();
    earlier(p, r).backward();
    last(p, r).backward();
    for (const torch::Tensor& t : p) alone[r].push_back(t.grad().defined() ? t.grad().clone() : torch::zeros({3, 4}));
  }
  std::vector<std::vector<torch::Tensor>> ranks_params = {make(), make()};  // the RNG is global
  OnTwoRanks([&](DataParallel& dp, int rank) {
    std::vector<torch::Tensor>& p = ranks_params[rank];
    GradientReducer reducer(dp, p);
    earlier(p, rank).backward();
    reducer.LastBackward(last(p, rank));
    for (int k = 0; k < 3; ++k) {
      ASSERT_TRUE(p[k].grad().defined()) << "rank " << rank << " parameter " << k;
      EXPECT_TRUE(torch::allclose(p[k].grad(), (alone[0][k] + alone[1][k]) / 2, 1e-6, 1e-9))
          << "rank " << rank << " parameter " << k;
    }
    EXPECT_FALSE(p[3].grad().defined()) << "no rank used it: no gradient, so AdamW skips it";
  });
}

TEST(GradientReducer, OneProcessIsPlainBackward) {
  DataParallel dp(ParallelOptions{}, "");
  std::vector<torch::Tensor> params = ChainParams(2), reference = ChainParams(2);
  GradientReducer reducer(dp, params);
  EXPECT_TRUE(reducer.Covers(params));
  EXPECT_FALSE(reducer.Covers(reference));
  reducer.LastBackward(ChainLoss(params, 0));
  ChainLoss(reference, 0).backward();
  for (size_t k = 0; k < params.size(); ++k) EXPECT_TRUE(torch::equal(params[k].grad(), reference[k].grad()));
}

}  // namespace
}  // namespace elastiq
