// Table interpolation and the per-layer sum of latency_model.h.
#include "src/runtime/latency_model.h"

#include <algorithm>
#include <cmath>

#include "src/core/error.h"

namespace elastiq {
namespace {

// Position of v on a grid axis as (lower index, weight of the upper point) on a log scale, held
// at the ends.
std::pair<size_t, double> LogPosition(const std::vector<int64_t>& axis, double v) {
  if (axis.size() == 1 || v <= static_cast<double>(axis.front())) return {0, 0.0};
  if (v >= static_cast<double>(axis.back())) return {axis.size() - 2, 1.0};
  size_t i = 0;
  while (static_cast<double>(axis[i + 1]) < v) ++i;
  const double lo = std::log(static_cast<double>(axis[i])), hi = std::log(static_cast<double>(axis[i + 1]));
  return {i, (std::log(v) - lo) / (hi - lo)};
}

// The table's times made monotone: each point no slower than any larger shape (minima from the far
// end, along columns, then rows). Noise on a shared machine makes single timings slower, never
// faster, so a spike is pulled down to its larger neighbours instead of raising every larger shape.
std::vector<double> MonotoneSeconds(const LinearTable& t) {
  std::vector<double> s = t.seconds;
  const size_t R = t.rows.size(), C = t.cols.size();
  for (size_t r = 0; r < R; ++r)
    for (size_t c = C - 1; c-- > 0;) s[r * C + c] = std::min(s[r * C + c], s[r * C + c + 1]);
  for (size_t r = R - 1; r-- > 0;)
    for (size_t c = 0; c < C; ++c) s[r * C + c] = std::min(s[r * C + c], s[(r + 1) * C + c]);
  return s;
}

// Seconds of one call of the table's shape grid at (rows, cols): log time bilinear in (log rows,
// log cols) inside the grid, the edge's rate per weight outside it.
double TableSeconds(const LinearTable& t, int64_t rows, int64_t cols) {
  const std::vector<double> s = MonotoneSeconds(t);
  const size_t C = t.cols.size();
  const double r = static_cast<double>(rows), c = static_cast<double>(cols);
  const double r_in = std::clamp(r, static_cast<double>(t.rows.front()), static_cast<double>(t.rows.back()));
  const double c_in = std::clamp(c, static_cast<double>(t.cols.front()), static_cast<double>(t.cols.back()));
  auto [ri, rw] = LogPosition(t.rows, r_in);
  auto [ci, cw] = LogPosition(t.cols, c_in);
  auto log_at = [&](size_t a, size_t b) {
    return std::log(s[std::min(a, t.rows.size() - 1) * C + std::min(b, C - 1)]);
  };
  const double log_seconds = (1 - rw) * ((1 - cw) * log_at(ri, ci) + cw * log_at(ri, ci + 1)) +
                             rw * ((1 - cw) * log_at(ri + 1, ci) + cw * log_at(ri + 1, ci + 1));
  return std::exp(log_seconds) * (r / r_in) * (c / c_in);  // outside: the edge rate per weight
}

// Weight bytes one application reads (Linear::bytes_read's count, from the shape alone).
int64_t WeightBytes(WeightFormat format, int64_t rows, int64_t cols) {
  Linear l;
  l.format = format;
  l.f32.rows = rows;
  l.f32.cols = cols;
  return l.bytes_read();
}

struct Shapes {
  int64_t d, q, kv, hd, G, kv_heads, vocab, virtual_layers;
  std::vector<int64_t> ffn;  // per kept layer
  WeightFormat head;         // the tied embedding's format
};

Shapes ShapesOf(const ModelConfig& c, const SubnetSpec& s, WeightFormat format) {
  const int64_t hd = c.head_dim();
  return {s.d_model,
          int64_t{s.n_heads(c)} * hd,
          int64_t{s.n_kv_heads} * hd,
          hd,
          c.group_size(),
          s.n_kv_heads,
          c.vocab_size,
          static_cast<int64_t>(s.layers.size()) * c.repeat,
          {s.ffn_dim.begin(), s.ffn_dim.end()},
          format == WeightFormat::kF32 ? WeightFormat::kF32 : WeightFormat::kW8A8};
}

// The projections of one layer of FFN width f, for `tokens` tokens.
double LayerLinearSeconds(const DeviceProfile& p, const Shapes& s, WeightFormat format, int64_t f, int tokens,
                          bool cold) {
  return LinearSeconds(p, format, s.q + 2 * s.kv, s.d, tokens, cold) +
         LinearSeconds(p, format, s.d, s.q, tokens, cold) + LinearSeconds(p, format, 2 * f, s.d, tokens, cold) +
         LinearSeconds(p, format, s.d, f, tokens, cold);
}

double LayerElementwiseFloats(const Shapes& s, int64_t f) { return 6.0 * s.d + s.q + 3.0 * s.kv + 2.0 * f; }

// The layers' sum over kept layers, each run `repeat` times (virtual layers).
template <typename PerLayer>
double OverLayers(const Shapes& s, PerLayer per_layer) {
  double total = 0.0;
  for (int64_t f : s.ffn) total += per_layer(f);
  return s.ffn.empty() ? 0.0 : total * static_cast<double>(s.virtual_layers) / static_cast<double>(s.ffn.size());
}

// Attention of `tokens` tokens from `position` (causal) over all threads, in one layer.
double AttentionSeconds(const DeviceProfile& p, const AttentionTable& table, const Shapes& s, int64_t position,
                        int64_t tokens) {
  if (tokens == 1) {
    const int64_t rounds = (s.kv_heads + p.threads - 1) / p.threads;
    return p.dispatch_seconds + static_cast<double>(rounds) * AttentionItemSeconds(table, s.G, s.hd, position + 1);
  }
  double items = 0.0;
  for (int64_t t = 0; t < tokens; ++t) items += AttentionItemSeconds(table, s.G, s.hd, position + t + 1);
  return p.dispatch_seconds + items * static_cast<double>(s.kv_heads) / static_cast<double>(p.threads);
}

}  // namespace

double ColdShare(int64_t working_set_bytes, int64_t cache_bytes) {
  if (cache_bytes <= 0) return 1.0;
  const double octaves = std::log2(static_cast<double>(working_set_bytes) / static_cast<double>(cache_bytes));
  return std::clamp(octaves + 0.5, 0.0, 1.0);
}

double LinearSeconds(const DeviceProfile& p, WeightFormat format, int64_t rows, int64_t cols, int tokens, bool cold) {
  if (tokens <= 1) return TableSeconds(p.Linear(format, 1, cold), rows, cols);
  // Per-token time at the token counts measured (all cold), interpolated in log tokens.
  std::vector<int64_t> counts = {1};
  std::vector<double> per_token = {TableSeconds(p.Linear(format, 1, true), rows, cols)};
  for (int n : p.PrefillTokens(format)) {
    counts.push_back(n);
    per_token.push_back(TableSeconds(p.Linear(format, n, true), rows, cols) / n);
  }
  auto [i, w] = LogPosition(counts, static_cast<double>(tokens));
  const double at = counts.size() == 1 ? per_token[0] : (1 - w) * per_token[i] + w * per_token[i + 1];
  return at * tokens;
}

double AttentionItemSeconds(const AttentionTable& t, int64_t group_size, int64_t head_dim, int64_t keys) {
  // Per group size: the time at `keys`, the grid made monotone in keys (minima from the far end).
  auto at_group = [&](size_t g) {
    std::vector<double> s(t.keys.size());
    for (size_t k = t.keys.size(); k-- > 0;) s[k] = std::min(t.at(g, k), k + 1 < s.size() ? s[k + 1] : INFINITY);
    if (t.keys.size() == 1 || keys <= t.keys.front()) return s.front();
    size_t k = 0;
    while (k + 2 < t.keys.size() && t.keys[k + 1] < keys) ++k;
    const double slope = (s[k + 1] - s[k]) / static_cast<double>(t.keys[k + 1] - t.keys[k]);
    return s[k] + slope * static_cast<double>(keys - t.keys[k]);
  };
  double seconds = at_group(0);
  if (t.group_sizes.size() > 1) {
    size_t g = 0;
    while (g + 2 < t.group_sizes.size() && t.group_sizes[g + 1] < group_size) ++g;
    const double lo = at_group(g), hi = std::max(lo, at_group(g + 1));
    const double w = static_cast<double>(group_size - t.group_sizes[g]) /
                     static_cast<double>(t.group_sizes[g + 1] - t.group_sizes[g]);
    seconds = std::max(lo, lo + w * (hi - lo));
  }
  return seconds * static_cast<double>(head_dim) / static_cast<double>(t.head_dim);
}

LatencyPrediction PredictLatency(const DeviceProfile& p, const ModelConfig& c, const SubnetSpec& spec,
                                 const LatencyQuery& q) {
  if (q.keys < 1) throw UserError("the context to predict for must be >= 1 token");
  const Shapes s = ShapesOf(c, spec, q.format);
  const AttentionTable& attention = p.Attention(q.kv_cache);
  LatencyPrediction r;
  r.working_set_bytes =
      WeightBytes(s.head, s.vocab, s.d) + s.virtual_layers * KvCacheBytes(q.kv_cache, 1, q.keys, s.kv) +
      static_cast<int64_t>(OverLayers(s, [&](int64_t f) {
        return static_cast<double>(WeightBytes(q.format, s.q + 2 * s.kv, s.d) + WeightBytes(q.format, s.d, s.q) +
                                   WeightBytes(q.format, 2 * f, s.d) + WeightBytes(q.format, s.d, f));
      }));
  r.cold_share = ColdShare(r.working_set_bytes, p.cache_bytes);
  const auto decode_linear = [&](bool cold) {
    return LinearSeconds(p, s.head, s.vocab, s.d, 1, cold) +
           OverLayers(s, [&](int64_t f) { return LayerLinearSeconds(p, s, q.format, f, 1, cold); });
  };
  r.decode_linear = (1 - r.cold_share) * decode_linear(false) + r.cold_share * decode_linear(true);
  const double head = LinearSeconds(p, s.head, s.vocab, s.d, 1, /*cold=*/true);  // prefill: cold throughout
  const double token_floats = 3.0 * static_cast<double>(s.d) + static_cast<double>(s.vocab);
  r.decode_attention = static_cast<double>(s.virtual_layers) * AttentionSeconds(p, attention, s, q.keys - 1, 1);
  r.decode_fixed = p.elementwise_seconds_per_float *
                   (token_floats + OverLayers(s, [&](int64_t f) { return LayerElementwiseFloats(s, f); }));
  r.decode_seconds = r.decode_linear + r.decode_attention + r.decode_fixed;
  const int chunk = q.prefill_chunk > 0 ? q.prefill_chunk : std::max(1, q.prompt_tokens);
  for (int start = 0; start < q.prompt_tokens; start += chunk) {
    const int T = std::min(chunk, q.prompt_tokens - start);
    r.prefill_seconds += head + p.elementwise_seconds_per_float * (token_floats + 2.0 * s.d * (T - 1));
    r.prefill_seconds += OverLayers(s, [&](int64_t f) {
      return LayerLinearSeconds(p, s, q.format, f, T, /*cold=*/true) + AttentionSeconds(p, attention, s, start, T) +
             T * p.elementwise_seconds_per_float * LayerElementwiseFloats(s, f);
    });
  }
  return r;
}

}  // namespace elastiq
