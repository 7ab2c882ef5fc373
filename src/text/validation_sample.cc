// Stratified validation samples from SplitMix64 draws; bounded draws take the remainder (a bias
// below n / 2^64), never a standard-library distribution, whose output differs between libraries.
#include "src/text/validation_sample.h"

#include <algorithm>
#include <map>

#include "src/core/error.h"
#include "src/core/hashing.h"
#include "src/text/token_ids.h"

namespace elastiq {
namespace {

class Draws {
 public:
  explicit Draws(uint64_t seed) : state_(seed) {}
  uint64_t Below(uint64_t n) {  // in [0, n), n > 0
    const uint64_t x = SplitMix64(state_);
    state_ += 0x9e3779b97f4a7c15ULL;
    return x % n;
  }

 private:
  uint64_t state_;
};

// floor(k * total / parts) without overflow for k <= parts.
int64_t StratumStart(int64_t k, int64_t total, int64_t parts) {
  return k * (total / parts) + k * (total % parts) / parts;
}

}  // namespace

ValidationSample SampleTextWindows(int64_t num_ids, int seq_len, int64_t max_tokens, uint64_t seed) {
  const int64_t total = (num_ids - 1) / seq_len;  // windows on the grid
  const int64_t windows = EvalWindowCount(num_ids, seq_len, max_tokens);
  ValidationSample s{windows == total ? "all" : "spread", {}};
  s.picks.reserve(static_cast<size_t>(windows));
  Draws draws(seed);
  for (int64_t k = 0; k < windows; ++k) {
    int64_t w = k;
    if (windows < total) {
      const int64_t lo = StratumStart(k, total, windows), hi = StratumStart(k + 1, total, windows);
      w = lo + static_cast<int64_t>(draws.Below(static_cast<uint64_t>(hi - lo)));
    }
    s.picks.push_back(w * seq_len);
  }
  return s;
}

ValidationSample HeadTextWindows(int64_t num_ids, int seq_len, int64_t max_tokens) {
  const int64_t total = (num_ids - 1) / seq_len;
  const int64_t windows = EvalWindowCount(num_ids, seq_len, max_tokens);
  ValidationSample s{windows == total ? "all" : "head", {}};
  for (int64_t k = 0; k < windows; ++k) s.picks.push_back(k * seq_len);
  return s;
}

ValidationSample HeadExamples(int64_t num_examples, int64_t max_examples) {
  if (num_examples == 0) throw UserError("the evaluation split has no examples");
  const int64_t n = max_examples <= 0 ? num_examples : std::min(num_examples, max_examples);
  ValidationSample s{n == num_examples ? "all" : "head", {}};
  for (int64_t i = 0; i < n; ++i) s.picks.push_back(i);
  return s;
}

ValidationSample SampleLabelledExamples(const std::vector<int32_t>& labels, int64_t max_examples, uint64_t seed) {
  const int64_t n = static_cast<int64_t>(labels.size());
  if (n == 0) throw UserError("the evaluation split has no examples");
  ValidationSample s;
  if (max_examples <= 0 || max_examples >= n) {
    s.how = "all";
    s.picks.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) s.picks[static_cast<size_t>(i)] = i;
    return s;
  }
  s.how = "stratified";
  std::map<int32_t, std::vector<int64_t>> by_class;  // label -> its examples, in file order
  for (int64_t i = 0; i < n; ++i) by_class[labels[static_cast<size_t>(i)]].push_back(i);

  struct Share {
    int32_t label;
    int64_t size, quota, remainder;
  };
  std::vector<Share> shares;
  int64_t given = 0;
  for (const auto& [label, members] : by_class) {
    const int64_t size = static_cast<int64_t>(members.size());
    shares.push_back({label, size, max_examples * size / n, max_examples * size % n});
    given += shares.back().quota;
  }
  // Largest remainder: the seats left go to the largest fractional parts (ties: lower label).
  std::vector<Share*> order;
  for (Share& sh : shares) order.push_back(&sh);
  std::stable_sort(order.begin(), order.end(),
                   [](const Share* a, const Share* b) { return a->remainder > b->remainder; });
  for (size_t i = 0; given < max_examples; ++i, ++given) ++order[i]->quota;
  // At least one per class when the budget allows, taken from the largest share (ties: lower label).
  if (max_examples >= static_cast<int64_t>(shares.size())) {
    for (Share& sh : shares) {
      if (sh.quota > 0) continue;
      Share* largest = &*std::max_element(shares.begin(), shares.end(),
                                          [](const Share& a, const Share& b) { return a.quota < b.quota; });
      --largest->quota;
      sh.quota = 1;
    }
  }
  for (const Share& sh : shares) {
    std::vector<int64_t> members = by_class[sh.label];
    Draws draws(SplitMix64(seed ^ static_cast<uint64_t>(static_cast<uint32_t>(sh.label))));
    for (int64_t i = 0; i < sh.quota; ++i) {  // partial Fisher-Yates: a draw without replacement
      const int64_t j = i + static_cast<int64_t>(draws.Below(static_cast<uint64_t>(sh.size - i)));
      std::swap(members[static_cast<size_t>(i)], members[static_cast<size_t>(j)]);
    }
    s.picks.insert(s.picks.end(), members.begin(), members.begin() + sh.quota);
  }
  std::sort(s.picks.begin(), s.picks.end());
  return s;
}

std::vector<int32_t> ScoredTargets(const std::vector<int32_t>& ids, const ValidationSample& windows, int seq_len) {
  std::vector<int32_t> out;
  out.reserve(windows.picks.size() * static_cast<size_t>(seq_len));
  for (int64_t start : windows.picks) {
    out.insert(out.end(), ids.begin() + start + 1, ids.begin() + start + 1 + seq_len);
  }
  return out;
}

}  // namespace elastiq
