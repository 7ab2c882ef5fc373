// The validation sample: windows spread over every stratum of a token stream, classes in
// proportion on a class-sorted labelled set, the whole split when the budget covers it, and the
// same selection on every run and machine.
#include "src/text/validation_sample.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "src/core/error.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

// 10001 tokens hold 625 windows of 16 (+ 1) on the grid.
constexpr int64_t kIds = 10001;
constexpr int kSeq = 16;
constexpr int64_t kGrid = 625;

TEST(ValidationSample, TextWindowsCoverEveryStratumWithoutOverlap) {
  for (int64_t windows : {1, 2, 7, 10, 100, 624}) {
    const ValidationSample s = SampleTextWindows(kIds, kSeq, windows * kSeq);
    EXPECT_EQ(s.how, "spread");
    ASSERT_EQ(static_cast<int64_t>(s.picks.size()), windows);
    for (int64_t k = 0; k < windows; ++k) {
      const int64_t start = s.picks[static_cast<size_t>(k)];
      EXPECT_EQ(start % kSeq, 0) << "off the evaluation grid";
      EXPECT_GE(start, 0);
      EXPECT_LE(start + kSeq + 1, kIds) << "past the end of the split";
      // Window k lies in stratum k: [floor(k * 625 / windows), floor((k + 1) * 625 / windows)).
      const int64_t w = start / kSeq;
      EXPECT_GE(w, k * kGrid / windows) << windows << " windows, window " << k;
      EXPECT_LT(w, (k + 1) * kGrid / windows) << windows << " windows, window " << k;
      if (k > 0) {
        EXPECT_GE(start, s.picks[static_cast<size_t>(k) - 1] + kSeq) << "overlapping targets";
      }
    }
  }
  // Budgets that are not whole windows round down, to at least one window.
  EXPECT_EQ(SampleTextWindows(kIds, kSeq, 10 * kSeq + 5).picks.size(), 10u);
  EXPECT_EQ(SampleTextWindows(kIds, kSeq, 3).picks.size(), 1u);
  EXPECT_THROW(SampleTextWindows(kSeq, kSeq, 0), UserError);  // not one window of 17
}

TEST(ValidationSample, TextSampleIsTheSameOnEveryRunAndMachine) {
  const ValidationSample a = SampleTextWindows(kIds, kSeq, 4 * kSeq);
  EXPECT_EQ(a.picks, SampleTextWindows(kIds, kSeq, 4 * kSeq).picks);
  // Pinned: SplitMix64 and integer arithmetic only, so any standard library gives these starts.
  EXPECT_EQ(a.picks, (std::vector<int64_t>{624, 4528, 7408, 8384}));
  EXPECT_NE(a.picks, SampleTextWindows(kIds, kSeq, 4 * kSeq, kValidationSampleSeed + 1).picks);
}

TEST(ValidationSample, TextBudgetCoveringTheSplitTakesItAllInOrder) {
  for (int64_t budget : {int64_t{0}, int64_t{-1}, kGrid * kSeq, kGrid * kSeq + 100, int64_t{1} << 40}) {
    const ValidationSample s = SampleTextWindows(kIds, kSeq, budget);
    EXPECT_EQ(s.how, "all") << budget;
    ASSERT_EQ(static_cast<int64_t>(s.picks.size()), kGrid) << budget;
    for (int64_t w = 0; w < kGrid; ++w) EXPECT_EQ(s.picks[static_cast<size_t>(w)], w * kSeq);
  }
  std::vector<int32_t> ids(40);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(i);
  const ValidationSample all = SampleTextWindows(40, 8, 0);  // 4 windows: targets 1 .. 32
  std::vector<int32_t> expected;
  for (int32_t t = 1; t <= 32; ++t) expected.push_back(t);
  EXPECT_EQ(ScoredTargets(ids, all, 8), expected);
}

// 100 examples sorted by class: 60 of class 0, 30 of 1, 9 of 2, 1 of 3.
std::vector<int32_t> ClassSortedLabels() {
  std::vector<int32_t> labels;
  for (auto [label, count] : std::vector<std::pair<int32_t, int>>{{0, 60}, {1, 30}, {2, 9}, {3, 1}}) {
    labels.insert(labels.end(), static_cast<size_t>(count), label);
  }
  return labels;
}

std::map<int32_t, int> CountByClass(const std::vector<int32_t>& labels, const ValidationSample& s) {
  std::map<int32_t, int> counts;
  for (int64_t i : s.picks) ++counts[labels[static_cast<size_t>(i)]];
  return counts;
}

TEST(ValidationSample, LabelledSampleIsStratifiedByClass) {
  const std::vector<int32_t> labels = ClassSortedLabels();
  // 20 of 100: shares 12, 6, 1.8, 0.2; the largest remainder gives class 2 its second example,
  // and class 3 its one example comes from the largest share, class 0.
  ValidationSample s = SampleLabelledExamples(labels, 20);
  EXPECT_EQ(s.how, "stratified");
  ASSERT_EQ(s.picks.size(), 20u);
  EXPECT_EQ(CountByClass(labels, s), (std::map<int32_t, int>{{0, 11}, {1, 6}, {2, 2}, {3, 1}}));
  EXPECT_TRUE(std::is_sorted(s.picks.begin(), s.picks.end()));
  EXPECT_EQ(std::set<int64_t>(s.picks.begin(), s.picks.end()).size(), s.picks.size()) << "drawn twice";
  // 50 of 100: shares 30, 15, 4.5, 0.5; the tie of remainders goes to the lower label, and class
  // 3 again takes its one example from class 0.
  s = SampleLabelledExamples(labels, 50);
  EXPECT_EQ(CountByClass(labels, s), (std::map<int32_t, int>{{0, 29}, {1, 15}, {2, 5}, {3, 1}}));
  // A budget smaller than the number of classes: the largest shares only.
  s = SampleLabelledExamples(labels, 2);
  EXPECT_EQ(CountByClass(labels, s), (std::map<int32_t, int>{{0, 1}, {1, 1}}));
  // Within a class, a seeded draw without replacement, not the class's first examples.
  s = SampleLabelledExamples(labels, 20);
  std::vector<int64_t> class0;
  for (int64_t i : s.picks) {
    if (labels[static_cast<size_t>(i)] == 0) class0.push_back(i);
  }
  EXPECT_GT(class0.back(), 10) << "class 0's head only";
  EXPECT_EQ(s.picks, SampleLabelledExamples(labels, 20).picks);
  EXPECT_NE(s.picks, SampleLabelledExamples(labels, 20, kValidationSampleSeed + 1).picks);
}

TEST(ValidationSample, LabelledProportionsHoldOnManyClassSortedSets) {
  uint64_t x = 7;
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<int32_t> labels;
    std::map<int32_t, int64_t> sizes;
    const int classes = 2 + trial % 9;
    for (int32_t c = 0; c < classes; ++c) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      const int64_t size = 1 + static_cast<int64_t>((x >> 33) % 200);
      labels.insert(labels.end(), static_cast<size_t>(size), c);
      sizes[c] = size;
    }
    const int64_t n = static_cast<int64_t>(labels.size());
    const int64_t budget = classes + static_cast<int64_t>((x >> 17) % static_cast<uint64_t>(n - classes));
    const ValidationSample s = SampleLabelledExamples(labels, budget);
    ASSERT_EQ(static_cast<int64_t>(s.picks.size()), budget);
    EXPECT_TRUE(std::is_sorted(s.picks.begin(), s.picks.end()));
    EXPECT_EQ(std::set<int64_t>(s.picks.begin(), s.picks.end()).size(), s.picks.size()) << "drawn twice";
    std::map<int32_t, int> counts = CountByClass(labels, s);
    bool small_class = false;  // a share below one example: it is given one, taken from the largest
    for (const auto& [c, size] : sizes) small_class |= budget * size < n;
    for (const auto& [c, size] : sizes) {
      const double share = static_cast<double>(budget) * static_cast<double>(size) / static_cast<double>(n);
      EXPECT_GE(counts[c], 1) << "class " << c << " left out in trial " << trial;
      EXPECT_LE(counts[c], size);
      // Largest remainder: the share rounded down or up.
      if (!small_class) {
        EXPECT_LT(std::abs(counts[c] - share), 1.0) << "class " << c << " of trial " << trial;
      }
    }
  }
}

TEST(ValidationSample, LabelledBudgetCoveringTheSplitTakesItAllInOrder) {
  const std::vector<int32_t> labels = ClassSortedLabels();
  for (int64_t budget : {0, -5, 100, 1000}) {
    const ValidationSample s = SampleLabelledExamples(labels, budget);
    EXPECT_EQ(s.how, "all");
    ASSERT_EQ(s.picks.size(), 100u);
    for (int64_t i = 0; i < 100; ++i) EXPECT_EQ(s.picks[static_cast<size_t>(i)], i);
  }
  EXPECT_NE(testing::UserErrorMessage([] { SampleLabelledExamples({}, 10); }).find("no examples"), std::string::npos);
}

}  // namespace
}  // namespace elastiq
