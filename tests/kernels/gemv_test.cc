// GEMV kernels over fp32 and fp16 rows, y = W x (gemv) and y += W^T x (gemvt): every ISA this CPU
// has against the scalar reference, on tile, tail, odd, strided, attention-like and large shapes.
// A missing ISA is skipped visibly.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <type_traits>
#include <vector>

#include "src/kernels/fp16.h"
#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

struct Shape { int64_t rows, cols, stride; };
// The last two are attention's: 64-wide heads in rows of 3 KV heads (192), 37 and 2048 keys.
constexpr Shape kShapes[] = {{1, 1, 1},    {3, 7, 7},      {4, 16, 16},    {5, 17, 20},     {16, 64, 64},
                             {33, 100, 128}, {64, 576, 600}, {130, 1536, 1536}, {7, 15, 15}, {9, 33, 40},
                             {6, 40, 45},  {37, 64, 192},  {2048, 64, 192}};

template <typename T>
using GemvFn = void (*)(const T* w, int64_t w_stride, const float* x, int64_t cols, float* y, int64_t row_begin,
                        int64_t row_end);
template <typename T>
using GemvtFn = void (*)(const T* w, int64_t w_stride, const float* x, int64_t rows, float* y, int64_t cols);

template <typename T>
T Stored(float v) {
  if constexpr (std::is_same_v<T, float>) {
    return v;
  } else {
    return F32ToF16(v);
  }
}

template <typename T>
std::vector<T> RandomElements(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<T> v(n);
  for (T& e : v) e = Stored<T>(u(rng));
  return v;
}

template <typename T>
void CheckGemv(GemvFn<T> kernel, GemvFn<T> reference) {
  std::mt19937 rng(1);
  for (Shape s : kShapes) {
    const std::vector<T> w = RandomElements<T>(static_cast<size_t>(s.rows * s.stride), rng);
    const std::vector<float> x = RandomElements<float>(static_cast<size_t>(s.cols), rng);
    std::vector<float> want(static_cast<size_t>(s.rows), -7.0f), got(want);
    reference(w.data(), s.stride, x.data(), s.cols, want.data(), 0, s.rows);
    kernel(w.data(), s.stride, x.data(), s.cols, got.data(), 0, s.rows);
    for (int64_t r = 0; r < s.rows; ++r) {
      EXPECT_NEAR(got[static_cast<size_t>(r)], want[static_cast<size_t>(r)], 1e-5f * std::sqrt(static_cast<float>(s.cols)))
          << "rows " << s.rows << " cols " << s.cols << " row " << r;
    }
    // A row range writes only its rows.
    std::vector<float> part(static_cast<size_t>(s.rows), -7.0f);
    if (s.rows > 2) {
      kernel(w.data(), s.stride, x.data(), s.cols, part.data(), 1, s.rows - 1);
      EXPECT_EQ(part.front(), -7.0f);
      EXPECT_EQ(part.back(), -7.0f);
      EXPECT_NEAR(part[1], want[1], 1e-4f);
    }
    // A one-hot x reads back the stored elements of its column exactly (fp16 widened without loss).
    std::vector<float> one_hot(static_cast<size_t>(s.cols), 0.0f), column(static_cast<size_t>(s.rows));
    const int64_t k = s.cols / 2;
    one_hot[static_cast<size_t>(k)] = 1.0f;
    kernel(w.data(), s.stride, one_hot.data(), s.cols, column.data(), 0, s.rows);
    for (int64_t r = 0; r < s.rows; ++r) {
      ASSERT_EQ(column[static_cast<size_t>(r)], AsF32(w[static_cast<size_t>(r * s.stride + k)])) << "row " << r;
    }
  }
}

template <typename T>
void CheckGemvt(GemvtFn<T> kernel, GemvtFn<T> reference) {
  std::mt19937 rng(2);
  constexpr size_t kGuard = 17;  // y past cols must stay as it was
  for (Shape s : kShapes) {
    const std::vector<T> w = RandomElements<T>(static_cast<size_t>(s.rows * s.stride), rng);
    const std::vector<float> x = RandomElements<float>(static_cast<size_t>(s.rows), rng);
    const std::vector<float> y0 = RandomElements<float>(static_cast<size_t>(s.cols) + kGuard, rng);
    std::vector<float> want = y0, got = y0;
    reference(w.data(), s.stride, x.data(), s.rows, want.data(), s.cols);
    kernel(w.data(), s.stride, x.data(), s.rows, got.data(), s.cols);
    for (size_t c = 0; c < static_cast<size_t>(s.cols); ++c) {
      EXPECT_NEAR(got[c], want[c], 1e-5f * std::sqrt(static_cast<float>(s.rows))) << "rows " << s.rows << " cols " << s.cols << " col " << c;
    }
    for (size_t c = static_cast<size_t>(s.cols); c < got.size(); ++c) ASSERT_EQ(got[c], y0[c]) << "wrote past cols " << s.cols;
    // No rows: y unchanged.
    std::vector<float> none = y0;
    kernel(w.data(), s.stride, x.data(), 0, none.data(), s.cols);
    EXPECT_EQ(none, y0);
  }
}

class Gemv : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!IsaSupported(GetParam())) GTEST_SKIP() << IsaName(GetParam()) << " not supported on this CPU";
    k_ = MakeKernelTable(GetParam());
  }
  KernelTable k_;
};

TEST_P(Gemv, F32MatchesScalarReference) { CheckGemv<float>(k_.gemv_f32, gemv_f32__scalar); }
TEST_P(Gemv, F16MatchesScalarReference) { CheckGemv<uint16_t>(k_.gemv_f16, gemv_f16__scalar); }
TEST_P(Gemv, TransposedF32MatchesScalarReference) { CheckGemvt<float>(k_.gemvt_f32, gemvt_f32__scalar); }
TEST_P(Gemv, TransposedF16MatchesScalarReference) { CheckGemvt<uint16_t>(k_.gemvt_f16, gemvt_f16__scalar); }

INSTANTIATE_TEST_SUITE_P(AllIsas, Gemv, ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kNeon),
                         [](const auto& info) { return std::string(IsaName(info.param)); });

}  // namespace
}  // namespace elastiq
