// Engine forward: embeddings -> (RMSNorm, GQA attention with RoPE and KV cache, RMSNorm, SwiGLU)
// per executed block -> final RMSNorm -> tied LM head or pooled classifier. Same math as
// supernet/super_transformer.cc, checked against it in tests/supernet/runtime_parity_test.cc.
#include "src/runtime/engine.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "src/core/cpu_features.h"
#include "src/core/error.h"
#include "src/core/rope.h"
#include "src/format/quant_groups.h"
#include "src/format/weight_layout.h"
#include "src/kernels/packed_layout.h"
#include "src/runtime/footprint.h"
#include "src/runtime/memory_probe.h"

namespace elastiq {

struct Engine::Layer {
  const float* attn_norm;
  const float* ffn_norm;
  Linear wq, wk, wv, wo, gate, up, down;
};

namespace {

void RmsNormRows(const float* x, const float* weight, int64_t tokens, int64_t d, double eps, float* out) {
  for (int64_t t = 0; t < tokens; ++t) {
    const float* row = x + t * d;
    float ss = 0.0f;
    for (int64_t i = 0; i < d; ++i) ss += row[i] * row[i];
    const float inv = 1.0f / std::sqrt(ss / static_cast<float>(d) + static_cast<float>(eps));
    for (int64_t i = 0; i < d; ++i) out[t * d + i] = row[i] * inv * weight[i];
  }
}

// Rotate-half RoPE on `heads` consecutive head vectors of one token at one position.
void ApplyRope(float* v, int64_t heads, int64_t hd, const float* cos, const float* sin) {
  const int64_t half = hd / 2;
  for (int64_t h = 0; h < heads; ++h) {
    float* x = v + h * hd;
    for (int64_t i = 0; i < half; ++i) {
      const float x1 = x[i], x2 = x[i + half];
      x[i] = x1 * cos[i] - x2 * sin[i];
      x[i + half] = x2 * cos[i] + x1 * sin[i];
    }
  }
}

// Norm weights and quantization scales are the only floats a quantized entry reads from the file; a
// NaN or Inf among them would reach the activation quantizers (found by tests/fuzz/model_file_fuzzer)
// and give finite garbage. fp32 matrices are not scanned: their non-finite values reach the logits,
// which the sampler refuses.
void RequireFinite(const float* values, int64_t n, const std::string& where) {
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(values[i])) {
      throw UserError(where + ": value " + std::to_string(i) + " is " + (std::isnan(values[i]) ? "NaN" : "infinite") +
                      " (damaged file?)");
    }
  }
}

// Row sums of int8 weights over `cols` columns lie in [-128 cols, 127 cols]. A stored sum outside
// that is a damaged file (found by tests/fuzz/model_file_fuzzer), and would overflow the W8A8
// zero-point correction; only the sums this entry reads are checked (pages it touches anyway).
void RequirePlausibleRowSums(const int32_t* sums, int64_t rows, int64_t cols, const std::string& where) {
  for (int64_t r = 0; r < rows; ++r) {
    if (sums[r] < -128 * cols || sums[r] > 127 * cols) {
      throw UserError(where + ": row sum " + std::to_string(r) + " is " + std::to_string(sums[r]) +
                      ", impossible for int8 weights over " + std::to_string(cols) + " columns (damaged file?)");
    }
  }
}

}  // namespace

Engine::Engine(const WeightStore& store, const SubnetSpec& spec, const EngineOptions& options)
    : store_(store), config_(store.config()), spec_(spec), format_(options.format) {
  ValidateSubnetSpec(spec_, config_, store.file().path());
  context_ = options.context > 0 ? options.context : config_.max_seq_len;
  if (context_ > config_.max_seq_len) {
    throw UserError("--context " + std::to_string(context_) + " is longer than the model supports (max_seq_len " +
                    std::to_string(config_.max_seq_len) + ")");
  }
  const int threads = options.pool ? options.pool->size() : options.threads > 0 ? options.threads : CoreCount();
  RequireStateFitsMachine(EstimateFootprint(config_, spec_, format_, options.kv_cache, context_, threads, 1), config_,
                          context_, ProbeMemory().ceiling_bytes(), store.file().path());
  pool_ = options.pool;
  if (!pool_) {
    own_pool_ = std::make_unique<ThreadPool>(options.threads);
    pool_ = own_pool_.get();
  }
  ctx_ = {pool_, MakeKernelTable(options.isa.value_or(SelectIsa()))};
  const int64_t hd = config_.head_dim();
  d_ = spec_.d_model;
  q_width_ = int64_t{spec_.n_heads(config_)} * hd;
  kv_width_ = int64_t{spec_.n_kv_heads} * hd;
  RequireWeightFormat(store.file(), format_);
  final_norm_ = Vector("final_norm", d_);
  // The tied embedding stays int8 in both quantized formats.
  lm_head_ = MakeLinear("embed", config_.vocab_size, d_,
                        format_ == WeightFormat::kF32 ? WeightFormat::kF32 : WeightFormat::kW8A8);
  if (config_.is_encoder()) cls_head_ = MakeLinear("cls_head", config_.n_classes, d_, WeightFormat::kF32);
  for (size_t i = 0; i < spec_.layers.size(); ++i) {
    const int l = spec_.layers[i];
    const int64_t f = spec_.ffn_dim[i];
    max_ffn_ = std::max(max_ffn_, f);
    auto w = [&](const char* name, int64_t rows, int64_t cols) {
      return MakeLinear(LayerWeightName(l, name), rows, cols, format_);
    };
    layers_.push_back({Vector(LayerWeightName(l, "attn_norm"), d_), Vector(LayerWeightName(l, "ffn_norm"), d_),
                       w("wq", q_width_, d_), w("wk", kv_width_, d_), w("wv", kv_width_, d_), w("wo", d_, q_width_),
                       w("w_gate", f, d_), w("w_up", f, d_), w("w_down", d_, f)});
  }
  inv_freq_ = RopeInverseFrequencies(hd, config_.rope_theta);  // as supernet/transformer_ops.cc's
  rope_cos_.reserve(static_cast<size_t>(context_ * hd / 2));
  rope_sin_.reserve(rope_cos_.capacity());
  const size_t virtual_layers = layers_.size() * static_cast<size_t>(config_.repeat);
  kv_ = KvCache(options.kv_cache, static_cast<int64_t>(virtual_layers), context_, kv_width_);
  attention_ = {hd, config_.group_size(), spec_.n_kv_heads, context_};
  scores_.resize(static_cast<size_t>(AttentionScratchFloats(attention_, pool_->size())));
}

Engine::~Engine() = default;

// The cos/sin tables (double, then float, as the LibTorch model builds them) up to `positions`.
void Engine::ExtendRope(int64_t positions) {
  const int64_t half = static_cast<int64_t>(inv_freq_.size());
  for (int64_t p = static_cast<int64_t>(rope_cos_.size()) / half; p < positions; ++p) {
    for (int64_t i = 0; i < half; ++i) {
      const double angle = static_cast<double>(p) * inv_freq_[static_cast<size_t>(i)];
      rope_cos_.push_back(static_cast<float>(std::cos(angle)));
      rope_sin_.push_back(static_cast<float>(std::sin(angle)));
    }
  }
}

const float* Engine::Vector(const std::string& weight, int64_t used) {
  const float* w = store_.Weight(weight);
  tensor_uses_.push_back({reinterpret_cast<const char*>(w), config_.d_model * int64_t{4}, {{0, used * 4}}});
  RequireFinite(w, used, store_.file().path() + ": /weights/" + weight);
  return w;
}

Linear Engine::MakeLinear(const std::string& weight, int64_t rows, int64_t cols, WeightFormat format) {
  const std::vector<int64_t>& maxnet_shape = store_.MaxnetShape(weight);
  const int64_t maxnet_rows = maxnet_shape[0], maxnet_cols = maxnet_shape[1];
  Linear l;
  l.format = format;
  l.f32 = {nullptr, maxnet_cols, rows, cols};
  auto use = [&](const void* data, int64_t bytes, std::vector<ByteRange> used) {
    tensor_uses_.push_back({static_cast<const char*>(data), bytes, std::move(used)});
  };
  if (format == WeightFormat::kF32) {
    l.f32.w = store_.Weight(weight);
    use(l.f32.w, maxnet_rows * maxnet_cols * 4, MatrixRanges(maxnet_rows, maxnet_cols, rows, cols, format));
    return l;
  }
  // The file's group for the engine's format; its embedding is int8 (W8A8 kernel) in both formats.
  const std::string path = QuantTensorGroup(WeightFormatName(format_), weight);
  if (cols % kPanel != 0) {
    throw UserError(store_.file().path() + ": subnet \"" + spec_.name + "\" uses " + std::to_string(cols) +
                    " input columns of " + weight + "; quantized formats need multiples of 32");
  }
  const PackedShape shape = MakePackedShape(maxnet_rows, maxnet_cols, weight.c_str());
  if (store_.IntAttr(path, "rows") != maxnet_rows || store_.IntAttr(path, "cols") != maxnet_cols ||
      store_.IntAttr(path, "rows_padded") != shape.rows_padded) {
    throw UserError(store_.file().path() + ": " + path + " is missing or does not match the config (damaged file?)");
  }
  l.rows_padded = shape.rows_padded;
  l.scale = static_cast<const float*>(store_.Tensor(path + "/scale", DType::kF32, {maxnet_rows}));
  use(l.scale, maxnet_rows * 4, {{0, rows * 4}});
  RequireFinite(l.scale, rows, store_.file().path() + ": " + path + "/scale");
  if (format == WeightFormat::kW8A8) {
    l.packed = store_.Tensor(path + "/packed", DType::kI8, {shape.int8_bytes()});
    l.rowsum =
        static_cast<const int32_t*>(store_.Tensor(path + "/rowsum", DType::kI32, {shape.panels(), shape.rows_padded}));
    use(l.rowsum, shape.panels() * shape.rows_padded * 4, {RowSumRange(maxnet_rows, rows, cols)});
    RequirePlausibleRowSums(l.rowsum + (cols / kPanel - 1) * shape.rows_padded, rows, cols,
                            store_.file().path() + ": " + path + "/rowsum");
  } else {
    l.packed = store_.Tensor(path + "/packed", DType::kU8, {shape.ternary_bytes()});
  }
  use(l.packed, format == WeightFormat::kW8A8 ? shape.int8_bytes() : shape.ternary_bytes(),
      MatrixRanges(maxnet_rows, maxnet_cols, rows, cols, format));
  return l;
}

void Engine::EmbedToken(int id, float* out) const {
  if (lm_head_.format == WeightFormat::kF32) {
    std::copy_n(lm_head_.f32.w + int64_t{id} * lm_head_.f32.stride, d_, out);
    return;
  }
  const PackedShape shape{config_.vocab_size, config_.d_model, lm_head_.rows_padded};
  const int8_t* packed = static_cast<const int8_t*>(lm_head_.packed);
  const float s = lm_head_.scale[id];
  for (int64_t i = 0; i < d_; ++i) out[i] = s * static_cast<float>(packed[Int8Offset(shape, id, i)]);
}

const char* Engine::isa_name() const { return IsaName(ctx_.kernels.isa); }

int64_t Engine::weight_bytes_per_token() const {
  int64_t bytes =
      lm_head_.bytes_read() + 2 * d_ * static_cast<int64_t>(sizeof(float));  // head + final norm + embedding row
  for (const Layer& l : layers_) {
    for (const Linear* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.gate, &l.up, &l.down}) bytes += w->bytes_read();
    bytes += 2 * d_ * static_cast<int64_t>(sizeof(float));
  }
  return bytes;
}

int64_t Engine::state_bytes() const {
  const size_t floats = x_.capacity() + h_.capacity() + q_.capacity() + k_.capacity() + v_.capacity() +
                        attn_.capacity() + gate_.capacity() + up_.capacity() + logits_.capacity() + scores_.size() +
                        rope_cos_.size() + rope_sin_.size();
  return kv_.bytes() + static_cast<int64_t>(floats * sizeof(float));
}

std::span<const float> Engine::Feed(std::span<const int> tokens, bool all_logits) {
  if (config_.is_encoder())
    throw UserError("this model is an encoder (classifier): use classification, not generation");
  if (tokens.empty()) throw UserError("nothing to feed: the token list is empty");
  if (position_ + static_cast<int64_t>(tokens.size()) > context_) {
    throw UserError("the context is full (" + std::to_string(context_) +
                    " tokens); start over or use a longer --context");
  }
  Forward(tokens, /*causal=*/true);
  const int64_t T = static_cast<int64_t>(tokens.size()), V = config_.vocab_size;
  const int64_t first = all_logits ? 0 : T - 1;
  const int64_t rows = T - first;
  RmsNormRows(x_.data() + first * d_, final_norm_, rows, d_, config_.norm_eps, h_.data());
  logits_.resize(static_cast<size_t>(rows * V));
  ApplyLinear(ctx_, lm_head_, h_.data(), rows, logits_.data());
  return {logits_.data(), logits_.size()};
}

std::vector<float> Engine::Classify(std::span<const int> tokens) {
  if (!config_.is_encoder()) throw UserError("this model is a decoder: it generates text, it does not classify");
  if (tokens.empty()) throw UserError("nothing to classify: the token list is empty");
  const int64_t T = std::min<int64_t>(static_cast<int64_t>(tokens.size()), context_);
  position_ = 0;
  Forward(tokens.first(static_cast<size_t>(T)), /*causal=*/false);
  position_ = 0;
  RmsNormRows(x_.data(), final_norm_, T, d_, config_.norm_eps, h_.data());
  std::vector<float> pooled(static_cast<size_t>(d_), 0.0f);
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t i = 0; i < d_; ++i) pooled[static_cast<size_t>(i)] += h_[static_cast<size_t>(t * d_ + i)];
  }
  for (float& p : pooled) p /= static_cast<float>(T);
  std::vector<float> out(static_cast<size_t>(config_.n_classes));
  ApplyLinear(ctx_, cls_head_, pooled.data(), 1, out.data());
  return out;
}

void Engine::Forward(std::span<const int> tokens, bool causal) {
  const int64_t T = static_cast<int64_t>(tokens.size()), hd = config_.head_dim();
  ExtendRope(position_ + T);
  if (T > scratch_tokens_) {
    scratch_tokens_ = T;
    for (auto* buf : {&x_, &h_}) buf->resize(static_cast<size_t>(T * d_));
    q_.resize(static_cast<size_t>(T * q_width_));
    attn_.resize(q_.size());
    k_.resize(static_cast<size_t>(T * kv_width_));
    v_.resize(k_.size());
    gate_.resize(static_cast<size_t>(T * max_ffn_));
    up_.resize(gate_.size());
  }
  for (int64_t t = 0; t < T; ++t) {
    const int id = tokens[static_cast<size_t>(t)];
    if (id < 0 || id >= config_.vocab_size)
      throw UserError("token id " + std::to_string(id) + " is outside the vocabulary");
    EmbedToken(id, x_.data() + t * d_);
  }
  const int64_t half = hd / 2;
  int virtual_layer = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& L = layers_[i];
    const int64_t f = L.gate.rows();
    for (int r = 0; r < config_.repeat; ++r, ++virtual_layer) {
      RmsNormRows(x_.data(), L.attn_norm, T, d_, config_.norm_eps, h_.data());
      const LinearOutput qkv[] = {{&L.wq, q_.data()}, {&L.wk, k_.data()}, {&L.wv, v_.data()}};
      ApplyLinears(ctx_, qkv, h_.data(), T);
      for (int64_t t = 0; t < T; ++t) {
        const int64_t pos = position_ + t;
        const float* cos = rope_cos_.data() + pos * half;
        const float* sin = rope_sin_.data() + pos * half;
        ApplyRope(q_.data() + t * q_width_, spec_.n_heads(config_), hd, cos, sin);
        ApplyRope(k_.data() + t * kv_width_, spec_.n_kv_heads, hd, cos, sin);
      }
      kv_.Store(ctx_.kernels, virtual_layer, position_, T, k_.data(), v_.data());
      AttendCached(*pool_, ctx_.kernels, kv_, virtual_layer, attention_, position_, T, causal, q_.data(), attn_.data(),
                   scores_.data());
      ApplyLinear(ctx_, L.wo, attn_.data(), T, h_.data());
      for (int64_t j = 0; j < T * d_; ++j) x_[static_cast<size_t>(j)] += h_[static_cast<size_t>(j)];
      RmsNormRows(x_.data(), L.ffn_norm, T, d_, config_.norm_eps, h_.data());
      const LinearOutput gate_up[] = {{&L.gate, gate_.data()}, {&L.up, up_.data()}};
      ApplyLinears(ctx_, gate_up, h_.data(), T);
      ctx_.kernels.swiglu_f32(gate_.data(), up_.data(), T * f);
      ApplyLinear(ctx_, L.down, gate_.data(), T, h_.data());
      for (int64_t j = 0; j < T * d_; ++j) x_[static_cast<size_t>(j)] += h_[static_cast<size_t>(j)];
    }
  }
  position_ += static_cast<int>(T);
}

}  // namespace elastiq
