// The grouped-query attention kernels, scores q_h . k_j and values out_h += sum_j p_hj v_j over fp32
// and fp16 cached rows: the checks kernel_list_test.cc runs for every ISA, against the scalar
// reference, for 1 to 9 query heads per KV head (across each ISA's chunk of heads), on tile, tail,
// odd, strided and attention shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <type_traits>
#include <vector>

#include "src/core/fp16.h"
#include "tests/kernels/kernel_checks.h"

namespace elastiq {
namespace {

struct Shape {
  int64_t keys, n, stride;
};
// The last two are attention's: 64-wide heads in rows of 3 KV heads (192), 37 and 2048 keys.
constexpr Shape kShapes[] = {{1, 1, 1},   {3, 7, 7},     {4, 16, 16},   {5, 17, 20},    {9, 33, 40},
                             {6, 40, 45}, {8, 100, 128}, {37, 64, 192}, {2048, 64, 192}};
constexpr int64_t kHeads[] = {1, 2, 3, 4, 5, 9};

template <typename T>
T Stored(float v) {
  if constexpr (std::is_same_v<T, float>) {
    return v;
  } else {
    return F32ToF16(v);
  }
}

template <typename T>
std::vector<T> RandomElements(int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<T> v(static_cast<size_t>(n));
  for (T& e : v) e = Stored<T>(u(rng));
  return v;
}

template <typename T>
void CheckScores(AttnScores<T>* kernel, AttnScores<T>* reference) {
  std::mt19937 rng(5);
  for (const Shape s : kShapes) {
    for (const int64_t heads : kHeads) {
      const std::vector<T> k = RandomElements<T>(s.keys * s.stride, rng);
      const std::vector<float> q = RandomElements<float>(heads * s.n, rng);
      const int64_t s_stride = s.keys + 3;  // the 3 past each head's scores must stay as they were
      std::vector<float> want(static_cast<size_t>(heads * s_stride), -7.0f), got(want);
      reference(k.data(), s.stride, q.data(), heads, s.n, s.keys, want.data(), s_stride);
      kernel(k.data(), s.stride, q.data(), heads, s.n, s.keys, got.data(), s_stride);
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], 1e-5f * std::sqrt(static_cast<float>(s.n)))
            << "keys " << s.keys << " n " << s.n << " heads " << heads << " at " << i;
      }
      // A one-hot query reads back the stored elements of its column exactly (fp16 widened without loss).
      std::vector<float> one_hot(static_cast<size_t>(heads * s.n), 0.0f), column(got.size());
      const int64_t c = s.n / 2;
      for (int64_t h = 0; h < heads; ++h) one_hot[static_cast<size_t>(h * s.n + c)] = 1.0f;
      kernel(k.data(), s.stride, one_hot.data(), heads, s.n, s.keys, column.data(), s_stride);
      for (int64_t h = 0; h < heads; ++h) {
        for (int64_t j = 0; j < s.keys; ++j) {
          ASSERT_EQ(column[static_cast<size_t>(h * s_stride + j)], AsF32(k[static_cast<size_t>(j * s.stride + c)]))
              << "head " << h << " key " << j;
        }
      }
    }
  }
}

template <typename T>
void CheckValues(AttnValues<T>* kernel, AttnValues<T>* reference) {
  std::mt19937 rng(6);
  constexpr int64_t kGuard = 17;  // out past heads x n must stay as it was
  for (const Shape s : kShapes) {
    for (const int64_t heads : kHeads) {
      const std::vector<T> v = RandomElements<T>(s.keys * s.stride, rng);
      const int64_t p_stride = s.keys + 2;
      const std::vector<float> p = RandomElements<float>(heads * p_stride, rng);
      const std::vector<float> out0 = RandomElements<float>(heads * s.n + kGuard, rng);
      std::vector<float> want = out0, got = out0;
      reference(v.data(), s.stride, p.data(), p_stride, heads, s.keys, want.data(), s.n);
      kernel(v.data(), s.stride, p.data(), p_stride, heads, s.keys, got.data(), s.n);
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], 1e-5f * std::sqrt(static_cast<float>(s.keys)))
            << "keys " << s.keys << " n " << s.n << " heads " << heads << " at " << i;
      }
      for (size_t i = static_cast<size_t>(heads * s.n); i < got.size(); ++i) ASSERT_EQ(got[i], out0[i]) << "wrote past";
      // No keys: out unchanged.
      std::vector<float> none = out0;
      kernel(v.data(), s.stride, p.data(), p_stride, heads, 0, none.data(), s.n);
      EXPECT_EQ(none, out0);
    }
  }
}

}  // namespace

void Check_attn_scores_f32(AttnScores<float>* kernel) { CheckScores<float>(kernel, attn_scores_f32__scalar); }
void Check_attn_scores_f16(AttnScores<uint16_t>* kernel) { CheckScores<uint16_t>(kernel, attn_scores_f16__scalar); }
void Check_attn_values_f32(AttnValues<float>* kernel) { CheckValues<float>(kernel, attn_values_f32__scalar); }
void Check_attn_values_f16(AttnValues<uint16_t>* kernel) { CheckValues<uint16_t>(kernel, attn_values_f16__scalar); }

}  // namespace elastiq
