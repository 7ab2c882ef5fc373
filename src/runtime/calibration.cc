// The probe's measurements. Every timing is a median of batches of calls, each batch long enough
// (kBatchSeconds) for the clock; synthetic weights are small normal floats (no denormals).
#include "src/runtime/calibration.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iterator>
#include <memory>
#include <numeric>
#include <thread>

#include "src/core/error.h"
#include "src/core/median.h"
#include "src/format/random_model.h"
#include "src/kernels/packed_layout.h"
#include "src/runtime/attention.h"
#include "src/runtime/bandwidth.h"
#include "src/runtime/decode_speed.h"
#include "src/runtime/engine.h"
#include "src/runtime/latency_model.h"
#include "src/runtime/memory_probe.h"

namespace elastiq {
namespace {

// Batches of 4 ms: with 2 ms the probe took 33-50 s instead of 50-62 s, but in that one trial its
// predictions spread a median 20.7% between probes instead of 7.1-9.0%
// (experiments/results/probe_stability_sweeps.md).
constexpr double kBatchSeconds = 0.004;
constexpr int kBatches = 5;
// The prefill tables' points (16 and 128 tokens: a third of the linear points, but by a 1-thread
// profile's own timings 27 of the 47 s its linear batches took) are timed in the first 3 rounds only.
constexpr int kPrefillBatches = 3;
constexpr int64_t kMiB = int64_t{1} << 20;

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// One thing to time: `call(i)` (i counts its calls, so a call can rotate through copies of its data).
struct TimedCall {
  std::function<void(int64_t)> call;
  int64_t rewarm_limit = 0;  // untimed calls before each batch, at most: a warm timing's copies
  int batches = kBatches;    // timed in the first this many of the rounds of batches
  int64_t calls = 0, per_batch = 1;
  std::vector<double> samples;  // seconds per call, one per batch
};

// Times every call in kBatches batches, interleaved: batch b of each call, then batch b + 1 (`on_batch`
// runs before each round). A slow spell of the machine (seconds long on a shared VM) then lands in one
// or two of a call's batches and their median passes over it; timed back to back, all of a call's
// batches fell into it. The first call of each is untimed: a warm-up and the batch size's estimate.
void TimeInterleaved(std::vector<TimedCall>& timed, const std::function<void(int)>& on_batch = {}) {
  for (TimedCall& t : timed) {
    const double t0 = Now();
    t.call(t.calls++);
    t.per_batch = std::max<int64_t>(1, static_cast<int64_t>(kBatchSeconds / std::max(1e-9, Now() - t0)));
  }
  for (int b = 0; b < kBatches; ++b) {
    if (on_batch) on_batch(b);
    for (TimedCall& t : timed) {
      if (b >= t.batches) continue;
      for (int64_t n = std::min(t.rewarm_limit, t.per_batch); n > 0; --n) t.call(t.calls++);
      const double start = Now();
      for (int64_t n = 0; n < t.per_batch; ++n) t.call(t.calls++);
      t.samples.push_back((Now() - start) / static_cast<double>(t.per_batch));
    }
  }
}

// Median seconds per call of `call(i)`, its batches back to back.
double TimePerCall(std::function<void(int64_t)> call) {
  std::vector<TimedCall> one{{std::move(call)}};
  TimeInterleaved(one);
  return Median(one[0].samples);
}

// Bytes of weights (with scales and row sums) one rows x cols matrix of `format` takes, 64-aligned parts.
int64_t Align(int64_t n) { return (n + 63) / 64 * 64; }
int64_t MatrixBytes(WeightFormat format, int64_t rows, int64_t cols) {
  const PackedShape s = MakePackedShape(rows, cols, "probe matrix");
  switch (format) {
    case WeightFormat::kF32:
      return Align(rows * cols * 4);
    case WeightFormat::kW8A8:
      return Align(s.int8_bytes()) + Align(rows * 4) + Align(s.panels() * s.rows_padded * 4);
    case WeightFormat::kTernary:
      return Align(s.ternary_bytes()) + Align(rows * 4);
  }
  return 0;
}

// A rows x cols layer of `format` over the bytes at `base` (MatrixBytes of them); fp32 rows `stride`
// floats apart (a prefix view of a wider matrix when stride > cols).
Linear MatrixAt(WeightFormat format, int64_t rows, int64_t cols, int64_t stride, std::byte* base) {
  Linear l;
  l.format = format;
  l.f32 = {reinterpret_cast<const float*>(base), stride, rows, cols};
  if (format == WeightFormat::kF32) return l;
  const PackedShape s = MakePackedShape(rows, cols, "probe matrix");
  const int64_t packed = format == WeightFormat::kW8A8 ? s.int8_bytes() : s.ternary_bytes();
  l.packed = base;
  l.rows_padded = s.rows_padded;
  l.scale = reinterpret_cast<const float*>(base + Align(packed));
  if (format == WeightFormat::kW8A8)
    l.rowsum = reinterpret_cast<const int32_t*>(base + Align(packed) + Align(rows * 4));
  return l;
}

// Memory the cold timings rotate through: well past what the caches hold.
struct Arena {
  explicit Arena(int64_t bytes) : size(bytes), data(new float[static_cast<size_t>(bytes / 4)]) {
    for (int64_t i = 0; i < bytes / 4; ++i) data[static_cast<size_t>(i)] = 0.01f * static_cast<float>(i % 7 - 3);
  }
  std::byte* bytes() { return reinterpret_cast<std::byte*>(data.get()); }
  int64_t size;
  std::unique_ptr<float[]> data;
};

// A file in the temporary directory, removed when this goes out of scope.
struct TemporaryFile {
  explicit TemporaryFile(const std::string& name) : path(std::filesystem::temp_directory_path() / name) {}
  ~TemporaryFile() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
  std::filesystem::path path;
};

class Prober {
 public:
  explicit Prober(const ProbeOptions& o) : options_(o), pool_(o.threads), widths_(o.widths) {
    if (widths_.empty()) widths_.assign(std::begin(kProbeWidths), std::end(kProbeWidths));
    for (size_t i = 0; i < widths_.size(); ++i)
      if (widths_[i] < kPanel || widths_[i] % kPanel != 0 || (i > 0 && widths_[i] <= widths_[i - 1]))
        throw UserError("--widths must be increasing multiples of 32");
    ctx_ = {&pool_, MakeKernelTable(o.isa)};
  }

  DeviceProfile Run() {
    DeviceProfile p = Identify();
    MeasureMemory(p);
    std::vector<ReadSweep> sweeps{SweepReads(p, "memory bandwidth")};
    KeepSweeps(sweeps, p);
    const int64_t widest = MatrixBytes(WeightFormat::kF32, widths_.back(), widths_.back());
    p.cold_bytes = std::max(widest, ColdArenaBytes(p));
    p.warm_bytes = p.cache_bytes / 2;
    MeasureLinear(p);
    sweeps.push_back(SweepReads(p, "memory bandwidth, second sweep"));
    MeasureAttention(p);
    sweeps.push_back(SweepReads(p, "memory bandwidth, third sweep"));
    KeepSweeps(sweeps, p);
    Progress("fixed costs");
    p.dispatch_seconds = TimePerCall([&](int64_t) { pool_.RunOnAll([](int) {}); });
    p.elementwise_seconds_per_float = ElementwiseSecondsPerFloat();
    MeasureEngineSteps(p);
    Progress("done");
    return p;
  }

 private:
  DeviceProfile Identify() {
    DeviceProfile p;
    p.elastiq_version = ELASTIQ_VERSION;
    char created[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    p.created = created;
    p.machine = ThisMachine();
    p.isa = IsaName(options_.isa);
    p.threads = pool_.size();
    p.l1d_bytes = sysconf(_SC_LEVEL1_DCACHE_SIZE);
    p.l2_bytes = sysconf(_SC_LEVEL2_CACHE_SIZE);
    p.l3_bytes = sysconf(_SC_LEVEL3_CACHE_SIZE);
    return p;
  }

  void MeasureMemory(DeviceProfile& p) {
    const MemoryProbe m = ProbeMemory();
    p.mem_total = m.mem_total;
    p.mem_available = m.mem_available;
    p.cgroup_limit = m.cgroup_limit;
  }

  // Memory's read speed and the read-bandwidth sweep, once.
  ReadSweep SweepReads(const DeviceProfile& p, const std::string& what) {
    Progress(what);
    ReadSweep s{MeasureReadBandwidth(pool_, ColdArenaBytes(p)), {}, {}};
    for (int64_t bytes = kMiB / 4; bytes <= ColdArenaBytes(p); bytes *= 2) {
      s.bytes.push_back(bytes);
      s.bytes_per_s.push_back(MeasureReadBandwidth(pool_, bytes, 3));
    }
    return s;
  }

  // The profile's bandwidth, sweep and measured cache from the sweeps so far: memory's speed and each
  // working set's the median over them. The probe sweeps before the linear tables (their warm rotation
  // is half the cache measured then), before the attention tables and after them: what the shared
  // last-level cache holds moves with the neighbours' load, and one sweep read it as 1 MiB or 32 MiB
  // now and then where most read 8-16 MiB (experiments/results/probe_stability.md). Where a working
  // set reads at about the threshold the median moves too (32 MiB at 2 threads here, in two of three
  // probes: probe_stability_final.md).
  static void KeepSweeps(const std::vector<ReadSweep>& sweeps, DeviceProfile& p) {
    const ReadSweep median = MedianSweep(sweeps);
    p.bandwidth_bytes_per_s = median.memory_bytes_per_s;
    p.sweep_bytes = median.bytes;
    p.sweep_bytes_per_s = median.bytes_per_s;
    p.cache_bytes = CacheBytesFromSweep(p.sweep_bytes, p.sweep_bytes_per_s, p.bandwidth_bytes_per_s);
  }

  // The cold linear timings' arena: 512 MiB, far past the caches (this machine's sweep read 64-256 MiB
  // 0.80-1.28x as fast as 512 MiB, experiments/results/latency_replay_cold_share.md), or a quarter of
  // the memory available where that is less; or the size asked for. Memory's speed is read over it and
  // the sweeps run up to it.
  int64_t ColdArenaBytes(const DeviceProfile& p) const {
    if (options_.arena_bytes > 0) return options_.arena_bytes;
    const int64_t available = p.mem_available > 0 ? p.mem_available / 4 : 512 * kMiB;
    return std::clamp<int64_t>(available, 64 * kMiB, 512 * kMiB);
  }

  // The cold attention timings' KV caches (one per KV-head count and key count, each filled before it
  // is timed): 4x the measured cache, 64 MiB to 256 MiB, so the probe stays within a minute; at most
  // the cold arena.
  int64_t AttentionArenaBytes(const DeviceProfile& p) const {
    return std::min(std::clamp<int64_t>(4 * p.cache_bytes, 64 * kMiB, 256 * kMiB), ColdArenaBytes(p));
  }

  // The linear tables, per format: 1 token cold and warm, and each prefill token count cold (prefill
  // reads each layer's weights once per call, a different layer each time); for fp32, 1 token cold
  // again with each row the first half of a row twice as wide (a subnet's prefix view of the maxnet's
  // matrix: 1.14-1.37x a contiguous read's time per weight at 256-2048 columns here, 1.9-2.3x at 64,
  // experiments/results/device_latency_check_prefix.md), on every other width of the grid. Every
  // point of every table is timed interleaved with the others (TimeInterleaved), so a slow spell
  // does not skew a whole table.
  void MeasureLinear(DeviceProfile& p) {
    Progress("linear timings, first calls");
    Arena arena(p.cold_bytes);
    const int64_t widest = widths_.back(),
                  most_tokens = *std::max_element(std::begin(kProbePrefillTokens), std::end(kProbePrefillTokens));
    std::vector<float> x(static_cast<size_t>(most_tokens * widest)), y(x.size());
    for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.1f * static_cast<float>(i));
    std::vector<TimedCall> timed;
    for (WeightFormat f : {WeightFormat::kF32, WeightFormat::kW8A8, WeightFormat::kTernary}) {
      p.linear.push_back({f, 1, /*cold=*/true, widths_, widths_, {}});
      p.linear.push_back({f, 1, /*cold=*/false, widths_, widths_, {}});
      for (int tokens : kProbePrefillTokens) p.linear.push_back({f, tokens, /*cold=*/true, widths_, widths_, {}});
    }
    std::vector<int64_t> rows, cols;  // every other width (the model takes one share from them all)
    for (size_t i = 0; i < widths_.size(); i += 2) {
      rows.push_back(widths_[i]);
      if (kPrefixWidthRatio * widths_[i] <= widths_.back()) cols.push_back(widths_[i]);
    }
    if (!cols.empty()) p.linear.push_back({WeightFormat::kF32, 1, /*cold=*/true, rows, cols, {}, kPrefixWidthRatio});
    for (const LinearTable& t : p.linear) AddLinearCalls(t, arena, p.warm_bytes, x.data(), y.data(), timed);
    TimeInterleaved(timed, [&](int b) {
      Progress("linear timings, batch " + std::to_string(b + 1) + " of " + std::to_string(kBatches));
    });
    size_t next = 0;
    for (LinearTable& t : p.linear)
      for (size_t i = 0; i < t.rows.size() * t.cols.size(); ++i) t.seconds.push_back(Median(timed[next++].samples));
  }

  // One ApplyLinear call per point of `t`'s grid (fp32 rows stored_width_ratio x cols apart); cold:
  // each call reads the next copy of the matrix in `arena` (larger than the caches), warm: the next of
  // the copies that fill half the measured cache (a model's layers in turn, from the last-level cache,
  // not one matrix from the core's own), one pass over them untimed before each batch (other points
  // ran in between).
  void AddLinearCalls(const LinearTable& t, Arena& arena, int64_t warm_bytes, const float* x, float* y,
                      std::vector<TimedCall>& timed) {
    for (int64_t rows : t.rows)
      for (int64_t cols : t.cols) {
        const int64_t stride = t.stored_width_ratio * cols;
        const int64_t bytes = MatrixBytes(t.format, rows, stride);
        const int64_t copies = std::max<int64_t>(1, (t.cold ? arena.size : warm_bytes) / bytes);
        const WeightFormat format = t.format;
        const int tokens = t.tokens;
        std::byte* base = arena.bytes();
        timed.push_back({[=, this](int64_t i) {
                           const Linear l = MatrixAt(format, rows, cols, stride, base + (i % copies) * bytes);
                           ApplyLinear(ctx_, l, x, tokens, y);
                         },
                         t.cold ? 0 : copies, t.tokens > 1 ? kPrefillBatches : kBatches});
      }
  }

  // One layer's decode attention (AttendCached) per KV heads, group size and key count, for f32 and f16
  // caches, cold and warm: four tables, timed a (KV heads, keys) block at a time with the calls of all
  // four interleaved (TimeInterleaved), so a slow spell of the machine slows a few blocks of every table
  // alike, not one whole table (timed a table after another, one 2-thread probe's cold f16 table ran
  // 1.58x the median of six probes while its other tables ran 0.85-1.23x: experiments/results/
  // latency_replay_cold_share.md).
  void MeasureAttention(DeviceProfile& p) {
    for (KvCacheFormat kv : {KvCacheFormat::kF32, KvCacheFormat::kF16})
      for (bool cold : {true, false}) {
        AttentionTable t{kv, cold, kProbeHeadDim, {}, {}, {}, {}};
        t.kv_heads.assign(std::begin(kProbeKvHeads), std::end(kProbeKvHeads));
        t.group_sizes.assign(std::begin(kProbeGroupSizes), std::end(kProbeGroupSizes));
        t.keys.assign(std::begin(kProbeKeys), std::end(kProbeKeys));
        t.seconds.resize(t.kv_heads.size() * t.group_sizes.size() * t.keys.size());
        p.attention.push_back(std::move(t));
      }
    const AttentionTable& axes = p.attention.front();
    const int64_t arena_bytes = AttentionArenaBytes(p);
    for (size_t h = 0; h < axes.kv_heads.size(); ++h) {
      Progress("attention, " + std::to_string(axes.kv_heads[h]) + " KV head(s)");
      for (size_t k = 0; k < axes.keys.size(); ++k) TimeAttentionBlock(p.attention, h, k, arena_bytes);
    }
  }

  // A KV cache of one table's block, filled: cold, layers that fill `arena_bytes` (each call reads the
  // next, so no call finds its rows cached); warm, one layer read again and again. It holds twice the
  // keys read, as an engine's context is longer than what it has filled: layers that lay end to end
  // read as one stream, ~1.25x faster here.
  struct AttentionBlockCache {
    KvCache kv;
    int layers;
  };
  AttentionBlockCache FilledCache(const AttentionTable& t, int64_t width, int64_t keys, const std::vector<float>& rows,
                                  int64_t arena_bytes) {
    const int64_t layer_bytes = KvCacheBytes(t.kv_cache, 1, 2 * keys, width);
    const int layers = t.cold ? static_cast<int>(std::max<int64_t>(2, arena_bytes / layer_bytes)) : 1;
    AttentionBlockCache c{KvCache(t.kv_cache, layers, 2 * keys, width), layers};
    for (int l = 0; l < layers; ++l) c.kv.Store(ctx_.kernels, l, 0, keys, rows.data(), rows.data());
    return c;
  }

  // Block (h, k) of every table: each table's cache, then every group size's call of every table timed
  // interleaved (a warm call reads its layer once, untimed, before each batch: the cold calls between
  // its batches evict it).
  void TimeAttentionBlock(std::vector<AttentionTable>& tables, size_t h, size_t k, int64_t arena_bytes) {
    const int64_t width = tables.front().kv_heads[h] * kProbeHeadDim, keys = tables.front().keys[k];
    const std::vector<int64_t>& group_sizes = tables.front().group_sizes;
    std::vector<float> rows(static_cast<size_t>(keys * width));  // the keys and values every cache stores
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = std::cos(0.01f * static_cast<float>(i));
    std::vector<AttentionBlockCache> caches;
    for (const AttentionTable& t : tables) caches.push_back(FilledCache(t, width, keys, rows, arena_bytes));
    struct Buffers {
      std::vector<float> q, out, scores;
    };
    std::vector<Buffers> buffers;
    std::vector<TimedCall> timed;
    buffers.reserve(caches.size() * group_sizes.size());
    for (AttentionBlockCache& c : caches)
      for (int64_t group : group_sizes) {
        const AttentionShape shape{kProbeHeadDim, group, tables.front().kv_heads[h], 2 * keys};
        buffers.push_back({std::vector<float>(static_cast<size_t>(shape.q_width()), 0.05f),
                           std::vector<float>(static_cast<size_t>(shape.q_width())),
                           std::vector<float>(static_cast<size_t>(AttentionScratchFloats(shape, pool_.size())))});
        Buffers* b = &buffers.back();
        const AttentionBlockCache* cache = &c;
        timed.push_back({[this, b, cache, shape, keys](int64_t i) {
                           AttendCached(pool_, ctx_.kernels, cache->kv, static_cast<int>(i % cache->layers), shape,
                                        keys - 1, 1, true, b->q.data(), b->out.data(), b->scores.data());
                         },
                         c.layers == 1 ? 1 : 0});
      }
    TimeInterleaved(timed);
    size_t next = 0;
    for (AttentionTable& t : tables)
      for (size_t g = 0; g < group_sizes.size(); ++g)
        t.seconds[(h * group_sizes.size() + g) * t.keys.size() + k] = Median(timed[next++].samples);
  }

  struct ProbeDecoder {
    int d_model, n_heads, n_kv_heads, ffn_dim, vocab_size, layers;
  };
  struct TimedDecoder {
    ModelConfig config;
    double median_seconds;  // per decode step, the median of the repeats
  };
  // A random-weight probe decoder in a temporary file, with an engine on this pool: built once,
  // timed in every round.
  struct ProbeEngine {
    ModelConfig config;
    TemporaryFile file;
    std::unique_ptr<WeightStore> store;
    std::unique_ptr<Engine> engine;
    std::vector<int> prompt;
  };
  static constexpr ProbeDecoder kFittedDecoders[] = {{128, 2, 1, 384, 1024, 2}, {128, 2, 1, 384, 1024, 8}};
  static constexpr ProbeDecoder kHeldOutDecoder{192, 3, 1, 512, 2048, 2};

  // What real decode steps take beyond the model's sum of the tables: random-weight fp32 decoders of
  // 2 and 8 layers (d_model 128: cache-resident, so the step's own costs are not hidden under a weight
  // stream) run by the engine on this pool, 64 tokens after a 64-token prompt; the line a + b x layers
  // through (measured - predicted) gives step_seconds = a and layer_seconds = b, each at least 0.
  // Then a third decoder of a shape not in the fit (wider, 3 query heads per KV head, a 2,048-token
  // vocabulary; still cache-resident, 4.7 MB) gives decode_margin, how far past the model a real step
  // ran here: the largest of median step / predicted - 1 over the three (the model's error, on a shape
  // it was not fitted to as well). With --watch-minutes the three run again in rounds spread over
  // that time, and the margin is the rounds' 90th percentile: how the machine's speed moved, too.
  void MeasureEngineSteps(DeviceProfile& p) {
    Progress("engine steps");
    std::vector<std::unique_ptr<ProbeEngine>> engines;
    for (const ProbeDecoder& d : {kFittedDecoders[0], kFittedDecoders[1], kHeldOutDecoder})
      engines.push_back(BuildEngine(d, engines.size()));
    const std::vector<TimedDecoder> timed = TimeDecoders(engines);
    double excess[2];
    for (int i = 0; i < 2; ++i) excess[i] = timed[i].median_seconds - PredictedStep(p, timed[i].config);
    const double layers[2] = {static_cast<double>(kFittedDecoders[0].layers),
                              static_cast<double>(kFittedDecoders[1].layers)};
    p.layer_seconds = std::max(0.0, (excess[1] - excess[0]) / (layers[1] - layers[0]));
    p.step_seconds = std::max(0.0, excess[0] - layers[0] * p.layer_seconds);
    std::vector<double> rounds{RoundMargin(p, timed)};
    if (options_.watch_seconds > 0) p.decode_margin_watch_seconds = WatchDecodeSteps(p, engines, rounds);
    p.decode_margin = DecodeMarginOverRounds(rounds);
    p.decode_round_margins = rounds;
    p.decode_margin_rounds = static_cast<int>(rounds.size());
  }

  // Rounds of the three decoders at even steps over --watch-minutes (the first a step after the probe's
  // own), each round's margin appended to `rounds`; returns the seconds they spanned.
  double WatchDecodeSteps(const DeviceProfile& p, std::vector<std::unique_ptr<ProbeEngine>>& engines,
                          std::vector<double>& rounds) {
    const int count = WatchRounds(options_.watch_seconds);
    const double start = Now(), step = options_.watch_seconds / count;
    for (int r = 1; r <= count; ++r) {
      const double wait = start + r * step - Now();
      if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
      char what[96];
      std::snprintf(what, sizeof what, "watching decode steps, round %d of %d (margin so far %.0f%%)", r, count,
                    100.0 * DecodeMarginOverRounds(rounds));
      Progress(what);
      rounds.push_back(RoundMargin(p, TimeDecoders(engines)));
    }
    return Now() - start;
  }

  // One round of the decoders (the two the fixed costs are fitted to, then the held-out one), each
  // 64 tokens after a 64-token prompt, 5 repeats.
  static std::vector<TimedDecoder> TimeDecoders(std::vector<std::unique_ptr<ProbeEngine>>& engines) {
    std::vector<TimedDecoder> timed;
    for (const std::unique_ptr<ProbeEngine>& e : engines) {
      const DecodeSpeed speed = MeasureDecodeSpeed(*e->engine, e->prompt, kEngineDecode, 5);
      timed.push_back({e->config, 1.0 / speed.decode_tokens_per_s});
    }
    return timed;
  }

  // The largest median step / prediction - 1 over one round's decoders: a run is judged by its median
  // step (bench, the latency guard), and the slowest of 5 repeats, then the 90th percentile of the
  // rounds, compounded two tails (entries planned with that margin ran at 0.38-0.78 of their budgets).
  static double RoundMargin(const DeviceProfile& p, const std::vector<TimedDecoder>& timed) {
    double margin = -1.0;
    for (const TimedDecoder& t : timed) margin = std::max(margin, t.median_seconds / PredictedStep(p, t.config) - 1.0);
    return margin;
  }

  static constexpr int kEnginePrompt = 64, kEngineDecode = 64;

  // Writes decoder `d` (the index keeps the files apart) and opens an engine on it.
  std::unique_ptr<ProbeEngine> BuildEngine(const ProbeDecoder& d, size_t index) {
    char shape[256];
    std::snprintf(shape, sizeof shape,
                  R"({"name":"probe","vocab_size":%d,"d_model":%d,"n_heads":%d,"n_kv_heads":%d,"ffn_dim":%d,)"
                  R"("max_seq_len":%d,"n_layers":%d})",
                  d.vocab_size, d.d_model, d.n_heads, d.n_kv_heads, d.ffn_dim, kEnginePrompt + kEngineDecode, d.layers);
    const ModelConfig c = ParseModelConfig(shape, "the probe's model");
    std::unique_ptr<ProbeEngine> e(new ProbeEngine{
        c, TemporaryFile("elastiq-probe-" + std::to_string(getpid()) + "-" + std::to_string(index) + ".h5")});
    WriteRandomModel(e->file.path, c, 7, "");
    e->store = WeightStore::Open(e->file.path);
    e->engine = std::make_unique<Engine>(*e->store, MaxnetSpec(c),
                                         EngineOptions{.context = kEnginePrompt + kEngineDecode,
                                                       .kv_cache = KvCacheFormat::kF16,
                                                       .pool = &pool_,
                                                       .isa = options_.isa});
    e->prompt = RandomPromptIds(c.vocab_size, kEnginePrompt);
    return e;
  }

  static double PredictedStep(const DeviceProfile& p, const ModelConfig& c) {
    const LatencyQuery q{WeightFormat::kF32, KvCacheFormat::kF16, kEnginePrompt + kEngineDecode / 2, 0, 0};
    return PredictLatency(p, c, MaxnetSpec(c), q).decode_seconds;
  }

  // An RMSNorm pass (sum of squares, then scale) plus a residual add over 4096 floats.
  double ElementwiseSecondsPerFloat() {
    constexpr int64_t n = 4096;
    std::vector<float> x(n, 0.5f), w(n, 1.0f), h(n);
    const double seconds = TimePerCall([&](int64_t) {
      float ss = 0.0f;
      for (int64_t i = 0; i < n; ++i) ss += x[static_cast<size_t>(i)] * x[static_cast<size_t>(i)];
      const float inv = 1.0f / std::sqrt(ss / n + 1e-5f);
      for (int64_t i = 0; i < n; ++i)
        h[static_cast<size_t>(i)] = x[static_cast<size_t>(i)] * inv * w[static_cast<size_t>(i)];
      for (int64_t i = 0; i < n; ++i)
        x[static_cast<size_t>(i)] = 0.5f * (x[static_cast<size_t>(i)] + h[static_cast<size_t>(i)]);
    });
    return seconds / (3 * n);
  }

  void Progress(const std::string& what) {
    ++step_;
    if (options_.progress) options_.progress(what, static_cast<double>(step_) / TotalSteps());
  }

  int TotalSteps() const {
    constexpr int kSteps = 4 + (1 + kBatches) + static_cast<int>(std::size(kProbeKvHeads)) + 2;
    return kSteps + (options_.watch_seconds > 0 ? WatchRounds(options_.watch_seconds) : 0);
  }

  ProbeOptions options_;
  ThreadPool pool_;
  std::vector<int64_t> widths_;
  ExecContext ctx_;
  int step_ = 0;
};

}  // namespace

int64_t CacheBytesFromSweep(const std::vector<int64_t>& sweep_bytes, const std::vector<double>& bytes_per_s,
                            double memory_bytes_per_s) {
  if (bytes_per_s.empty()) return 0;
  const double fastest = *std::max_element(bytes_per_s.begin(), bytes_per_s.end());
  const double threshold = std::sqrt(fastest * memory_bytes_per_s);
  const size_t n = std::min(sweep_bytes.size(), bytes_per_s.size());
  size_t last = n;  // the last working set read at the threshold or faster
  for (size_t i = 0; i < n; ++i)
    if (bytes_per_s[i] >= threshold) last = i;
  if (last == n) return 0;
  if (last + 1 == n) return sweep_bytes[last];
  const double above = bytes_per_s[last] - threshold, drop = bytes_per_s[last] - bytes_per_s[last + 1];
  const double ratio = static_cast<double>(sweep_bytes[last + 1]) / static_cast<double>(sweep_bytes[last]);
  return static_cast<int64_t>(static_cast<double>(sweep_bytes[last]) * std::pow(ratio, above / drop));
}

ReadSweep MedianSweep(const std::vector<ReadSweep>& sweeps) {
  if (sweeps.empty()) return {};
  ReadSweep median{0.0, sweeps.front().bytes, {}};
  std::vector<double> memory;
  for (const ReadSweep& s : sweeps) memory.push_back(s.memory_bytes_per_s);
  median.memory_bytes_per_s = Median(memory);
  for (size_t i = 0; i < median.bytes.size(); ++i) {
    std::vector<double> rates;
    for (const ReadSweep& s : sweeps) rates.push_back(s.bytes_per_s.at(i));
    median.bytes_per_s.push_back(Median(rates));
  }
  return median;
}

DeviceProfile ProbeDevice(const ProbeOptions& options) { return Prober(options).Run(); }

double DecodeMarginOverRounds(std::vector<double> round_margins) {
  if (round_margins.empty()) return 0.0;
  std::sort(round_margins.begin(), round_margins.end());
  const size_t rank = static_cast<size_t>(std::ceil(0.9 * static_cast<double>(round_margins.size())));
  return std::max(0.0, round_margins[rank - 1]);
}

int WatchRounds(double watch_seconds) {
  return std::max(1, static_cast<int>(std::lround(watch_seconds / kWatchIntervalSeconds)));
}

}  // namespace elastiq
