// Table interpolation and the per-layer sum of latency_model.h.
#include "src/runtime/latency_model.h"

#include <algorithm>
#include <cmath>

#include "src/core/error.h"
#include "src/core/median.h"

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

// Times on a row-major grid of `dims` made monotone: each lowered to the fastest at a larger index
// along every axis (minima from the far ends), so no larger shape reads faster. Noise on a shared
// machine makes single timings slower, never faster, so a spike is pulled down to its larger
// neighbours instead of raising every larger shape.
std::vector<double> LowerToFastestLarger(std::vector<double> s, const std::vector<size_t>& dims) {
  size_t stride = 1;
  for (size_t axis = dims.size(); axis-- > 0;) {
    for (size_t i = s.size(); i-- > 0;)
      if ((i / stride) % dims[axis] + 1 < dims[axis]) s[i] = std::min(s[i], s[i + stride]);
    stride *= dims[axis];
  }
  return s;
}

std::vector<double> MonotoneSeconds(const LinearTable& t) {
  return LowerToFastestLarger(t.seconds, {t.rows.size(), t.cols.size()});
}

std::vector<double> MonotoneAttention(const AttentionTable& t) {
  return LowerToFastestLarger(t.seconds, {t.kv_heads.size(), t.group_sizes.size(), t.keys.size()});
}

// Position of v on an axis as (lower index, weight of the upper point) on a linear scale: held below
// the first point, extended past the last by the last segment's slope (weight > 1).
std::pair<size_t, double> LinearPosition(const std::vector<int64_t>& axis, double v) {
  if (axis.size() == 1 || v <= static_cast<double>(axis.front())) return {0, 0.0};
  size_t i = 0;
  while (i + 2 < axis.size() && static_cast<double>(axis[i + 1]) < v) ++i;
  return {i, (v - static_cast<double>(axis[i])) / static_cast<double>(axis[i + 1] - axis[i])};
}

// Seconds of one call of the table's shape grid at (rows, cols), `s` its seconds made monotone: log
// time bilinear in (log rows, log cols) inside the grid, the edge's rate per weight outside it.
double TableSeconds(const LinearTable& t, const std::vector<double>& s, int64_t rows, int64_t cols) {
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
  std::vector<int64_t> ffn;                // per kept layer
  WeightFormat head;                       // the tied embedding's format
  int64_t stored_d, stored_q, stored_ffn;  // the maxnet's widths: the rows the subnet's prefix views read
  double skipped_read;                     // PrefixReadShare of fp32, whose prefix views are strided
};

Shapes ShapesOf(const LatencyModel& m, const ModelConfig& c, const SubnetSpec& s, WeightFormat format) {
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
          format == WeightFormat::kF32 ? WeightFormat::kF32 : WeightFormat::kW8A8,
          c.d_model,
          int64_t{c.n_heads} * hd,
          c.ffn_dim,
          m.prefix_read_share()};
}

// The projections of one layer of FFN width f, for `tokens` tokens (each input width a prefix of the
// maxnet's).
double LayerLinearSeconds(const LatencyModel& m, const Shapes& s, WeightFormat format, int64_t f, int tokens,
                          bool cold) {
  const StoredRows of_d{s.stored_d, s.skipped_read}, of_q{s.stored_q, s.skipped_read},
      of_ffn{s.stored_ffn, s.skipped_read};
  return m.LinearSeconds(format, s.q + 2 * s.kv, s.d, tokens, cold, of_d) +
         m.LinearSeconds(format, s.d, s.q, tokens, cold, of_q) +
         m.LinearSeconds(format, 2 * f, s.d, tokens, cold, of_d) +
         m.LinearSeconds(format, s.d, f, tokens, cold, of_ffn);
}

double LayerElementwiseFloats(const Shapes& s, int64_t f) { return 6.0 * s.d + s.q + 3.0 * s.kv + 2.0 * f; }

// The layers' sum over kept layers, each run `repeat` times (virtual layers).
template <typename PerLayer>
double OverLayers(const Shapes& s, PerLayer per_layer) {
  double total = 0.0;
  for (int64_t f : s.ffn) total += per_layer(f);
  return s.ffn.empty() ? 0.0 : total * static_cast<double>(s.virtual_layers) / static_cast<double>(s.ffn.size());
}

// One layer's time at (kv_heads, group_size, keys) in a table's monotone seconds (AttentionLayerSeconds).
double InterpolateAttention(const AttentionTable& t, const std::vector<double>& s, int64_t kv_heads, int64_t group_size,
                            int64_t head_dim, int64_t keys) {
  const auto [h, hw] = LinearPosition(t.kv_heads, static_cast<double>(kv_heads));
  const auto [g, gw] = LinearPosition(t.group_sizes, static_cast<double>(group_size));
  const auto [k, kw] = LinearPosition(t.keys, static_cast<double>(keys));
  const size_t G = t.group_sizes.size(), K = t.keys.size();
  auto at = [&](size_t hi, size_t gi, size_t ki) {
    return s[(std::min(hi, t.kv_heads.size() - 1) * G + std::min(gi, G - 1)) * K + std::min(ki, K - 1)];
  };
  double seconds = 0.0;
  for (int dh = 0; dh < 2; ++dh)
    for (int dg = 0; dg < 2; ++dg)
      for (int dk = 0; dk < 2; ++dk)
        seconds += (dh ? hw : 1 - hw) * (dg ? gw : 1 - gw) * (dk ? kw : 1 - kw) * at(h + dh, g + dg, k + dk);
  return seconds * static_cast<double>(head_dim) / static_cast<double>(t.head_dim);
}

// One layer's decode attention at `keys`, blended between the warm and cold tables.
double DecodeAttentionSeconds(const LatencyModel& m, const Shapes& s, KvCacheFormat kv_cache, int64_t keys,
                              double cold_share) {
  auto layer = [&](bool cold) { return m.AttentionSeconds(kv_cache, cold, s.kv_heads, s.G, s.hd, keys); };
  return (1 - cold_share) * layer(false) + cold_share * layer(true);
}

// One layer's attention for `tokens` tokens from `position` (causal), warm: the pool started once,
// then the (token, KV head) items shared by the threads, each as long as in a decode step's round
// (the warm layer time past starting the pool, over its ceil(kv_heads / threads) rounds).
double PrefillAttentionSeconds(const LatencyModel& m, const Shapes& s, KvCacheFormat kv_cache, int64_t position,
                               int64_t tokens) {
  const DeviceProfile& p = m.profile();
  const double rounds_per_token = static_cast<double>(s.kv_heads) / static_cast<double>(p.threads);
  const double rounds_per_layer = static_cast<double>((s.kv_heads + p.threads - 1) / p.threads);
  double seconds = p.dispatch_seconds;
  for (int64_t t = 0; t < tokens; ++t) {
    const double layer = m.AttentionSeconds(kv_cache, false, s.kv_heads, s.G, s.hd, position + t + 1);
    seconds += std::max(0.0, layer - p.dispatch_seconds) / rounds_per_layer * rounds_per_token;
  }
  return seconds;
}

}  // namespace

double ColdShare(const DeviceProfile& p, int64_t working_set_bytes) {
  const int64_t warm = std::min(p.warm_bytes, p.cache_bytes / 2);
  if (working_set_bytes <= warm) return 0.0;
  if (working_set_bytes >= p.cache_bytes || warm <= 0) return 1.0;
  return std::log(static_cast<double>(working_set_bytes) / static_cast<double>(warm)) /
         std::log(static_cast<double>(p.cache_bytes) / static_cast<double>(warm));
}

double PrefixReadShare(const DeviceProfile& p, WeightFormat format) {
  const LinearTable* prefix = p.PrefixLinear(format);
  if (!prefix) return 0.0;
  const LinearTable& contiguous = p.Linear(format, 1, true);
  const std::vector<double> monotone = MonotoneSeconds(contiguous);
  std::vector<double> shares;
  for (size_t r = 0; r < prefix->rows.size(); ++r)
    for (size_t c = 0; c < prefix->cols.size(); ++c) {
      const int64_t rows = prefix->rows[r], cols = prefix->cols[c];
      const double used = TableSeconds(contiguous, monotone, rows, cols);
      const double stored = TableSeconds(contiguous, monotone, rows, prefix->stored_width_ratio * cols);
      if (stored > used) shares.push_back((prefix->at(r, c) - used) / (stored - used));
    }
  return shares.empty() ? 0.0 : std::clamp(Median(shares), 0.0, 1.0);
}

LatencyModel::LatencyModel(const DeviceProfile& profile)
    : p_(profile), prefix_read_share_(PrefixReadShare(profile, WeightFormat::kF32)) {
  for (const LinearTable& t : p_.linear) linear_.push_back(MonotoneSeconds(t));
  for (const AttentionTable& t : p_.attention) attention_.push_back(MonotoneAttention(t));
}

double LatencyModel::TableAt(const LinearTable& t, int64_t rows, int64_t cols) const {
  return TableSeconds(t, linear_[static_cast<size_t>(&t - p_.linear.data())], rows, cols);
}

double LatencyModel::GemvSeconds(WeightFormat format, int64_t rows, int64_t cols, bool cold,
                                 const StoredRows& prefix) const {
  const LinearTable& t = p_.Linear(format, 1, cold);
  const double contiguous = TableAt(t, rows, cols);
  if (!cold || format != WeightFormat::kF32 || prefix.stored_cols <= cols || prefix.skipped_read <= 0)
    return contiguous;
  return (1 - prefix.skipped_read) * contiguous + prefix.skipped_read * TableAt(t, rows, prefix.stored_cols);
}

double LatencyModel::LinearSeconds(WeightFormat format, int64_t rows, int64_t cols, int tokens, bool cold,
                                   const StoredRows& prefix) const {
  if (tokens <= 1) return GemvSeconds(format, rows, cols, cold, prefix);
  // Per-token time at the token counts measured (all cold), interpolated in log tokens.
  std::vector<int64_t> counts = {1};
  std::vector<double> per_token = {GemvSeconds(format, rows, cols, /*cold=*/true, prefix)};
  for (int n : p_.PrefillTokens(format)) {
    counts.push_back(n);
    per_token.push_back(TableAt(p_.Linear(format, n, true), rows, cols) / n);
  }
  auto [i, w] = LogPosition(counts, static_cast<double>(tokens));
  const double at = counts.size() == 1 ? per_token[0] : (1 - w) * per_token[i] + w * per_token[i + 1];
  return at * tokens;
}

double LatencyModel::AttentionSeconds(KvCacheFormat kv_cache, bool cold, int64_t kv_heads, int64_t group_size,
                                      int64_t head_dim, int64_t keys) const {
  const AttentionTable& t = p_.Attention(kv_cache, cold);
  return InterpolateAttention(t, attention_[static_cast<size_t>(&t - p_.attention.data())], kv_heads, group_size,
                              head_dim, keys);
}

double LinearSeconds(const DeviceProfile& p, WeightFormat format, int64_t rows, int64_t cols, int tokens, bool cold,
                     const StoredRows& prefix) {
  return LatencyModel(p).LinearSeconds(format, rows, cols, tokens, cold, prefix);
}

double AttentionLayerSeconds(const AttentionTable& t, int64_t kv_heads, int64_t group_size, int64_t head_dim,
                             int64_t keys) {
  return InterpolateAttention(t, MonotoneAttention(t), kv_heads, group_size, head_dim, keys);
}

LatencyPrediction PredictLatency(const DeviceProfile& p, const ModelConfig& c, const SubnetSpec& spec,
                                 const LatencyQuery& q) {
  return LatencyModel(p).Predict(c, spec, q);
}

LatencyPrediction LatencyModel::Predict(const ModelConfig& c, const SubnetSpec& spec, const LatencyQuery& q) const {
  if (q.keys < 1) throw UserError("the context to predict for must be >= 1 token");
  const DeviceProfile& p = p_;
  const Shapes s = ShapesOf(*this, c, spec, q.format);
  LatencyPrediction r;
  r.working_set_bytes =
      WeightBytes(s.head, s.vocab, s.d) + s.virtual_layers * KvCacheBytes(q.kv_cache, 1, q.keys, s.kv) +
      static_cast<int64_t>(OverLayers(s, [&](int64_t f) {
        return static_cast<double>(WeightBytes(q.format, s.q + 2 * s.kv, s.d) + WeightBytes(q.format, s.d, s.q) +
                                   WeightBytes(q.format, 2 * f, s.d) + WeightBytes(q.format, s.d, f));
      }));
  r.cold_share = ColdShare(p, r.working_set_bytes);
  const StoredRows head_view{s.stored_d, s.skipped_read};
  const auto decode_linear = [&](bool cold) {
    return LinearSeconds(s.head, s.vocab, s.d, 1, cold, head_view) +
           OverLayers(s, [&](int64_t f) { return LayerLinearSeconds(*this, s, q.format, f, 1, cold); });
  };
  r.decode_linear = (1 - r.cold_share) * decode_linear(false) + r.cold_share * decode_linear(true);
  const double head = LinearSeconds(s.head, s.vocab, s.d, 1, /*cold=*/true, head_view);  // prefill: cold throughout
  const double token_floats = 3.0 * static_cast<double>(s.d) + static_cast<double>(s.vocab);
  r.decode_attention =
      static_cast<double>(s.virtual_layers) * DecodeAttentionSeconds(*this, s, q.kv_cache, q.keys, r.cold_share);
  r.decode_fixed = p.elementwise_seconds_per_float *
                       (token_floats + OverLayers(s, [&](int64_t f) { return LayerElementwiseFloats(s, f); })) +
                   p.step_seconds + p.layer_seconds * static_cast<double>(s.virtual_layers);
  r.decode_seconds = r.decode_linear + r.decode_attention + r.decode_fixed;
  const int chunk = q.prefill_chunk > 0 ? q.prefill_chunk : std::max(1, q.prompt_tokens);
  for (int start = 0; start < q.prompt_tokens; start += chunk) {
    const int T = std::min(chunk, q.prompt_tokens - start);
    r.prefill_seconds += head + p.elementwise_seconds_per_float * (token_floats + 2.0 * s.d * (T - 1));
    r.prefill_seconds += OverLayers(s, [&](int64_t f) {
      return LayerLinearSeconds(*this, s, q.format, f, T, /*cold=*/true) +
             T * p.elementwise_seconds_per_float * LayerElementwiseFloats(s, f);
    });
    r.prefill_seconds +=
        static_cast<double>(s.virtual_layers) * PrefillAttentionSeconds(*this, s, q.kv_cache, start, T);  // f-free
  }
  return r;
}

}  // namespace elastiq
