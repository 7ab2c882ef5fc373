// The validation sample every evaluation scores (training loops, palette search, `elastiq eval`
// with either engine): a seeded selection spread over the whole split, so a file ordered by class,
// source or date is not judged on its first corner, and the same for every subnet, run and machine
// (SplitMix64 and integer arithmetic only).
//   text:      whole evaluation windows on the grid of EvalWindowCount (src/text/token_ids.h): the
//              split's windows cut into as many equal strata as the budget allows, one window drawn
//              from each, in file order ("spread").
//   labelled:  each class gets its share of the budget by its frequency in the split (largest
//              remainder; at least one example per class present when the budget allows), drawn
//              without replacement and kept in file order ("stratified").
// A budget that covers the split takes the whole split, in order ("all"), as before sampling.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace elastiq {

inline constexpr uint64_t kValidationSampleSeed = 0x76616c5f73616d70ULL;  // "val_samp"

struct ValidationSample {
  std::string how;             // "all" | "spread" | "stratified"
  std::vector<int64_t> picks;  // increasing: window starts (text) or example indices (labelled)
};

// Windows of seq_len + 1 tokens scoring at most max_tokens targets (<= 0: the whole split; at
// least one window); UserError when not even one window fits.
ValidationSample SampleTextWindows(int64_t num_ids, int seq_len, int64_t max_tokens,
                                   uint64_t seed = kValidationSampleSeed);
// At most max_examples of the examples with these labels (<= 0: all of them); UserError when there
// are none.
ValidationSample SampleLabelledExamples(const std::vector<int32_t>& labels, int64_t max_examples,
                                        uint64_t seed = kValidationSampleSeed);
// The split's first windows or examples within the same budgets ("head"; "all" when they cover the
// split): for comparisons with tools that read a prefix of the split (`eval --head`), never for
// choosing between subnets.
ValidationSample HeadTextWindows(int64_t num_ids, int seq_len, int64_t max_tokens);
ValidationSample HeadExamples(int64_t num_examples, int64_t max_examples);

// The tokens the windows score as targets: ids[start + 1 .. start + seq_len] of each, in order.
std::vector<int32_t> ScoredTargets(const std::vector<int32_t>& ids, const ValidationSample& windows, int seq_len);

}  // namespace elastiq
