// Proxy-then-finalist search over the planned candidates; evaluations are cached per spec.
#include "lowrank/palette_search.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "src/core/error.h"
#include "src/core/json_fields.h"
#include "src/format/weight_layout.h"
#include "supernet/evaluate.h"
#include "supernet/model_io.h"
#include "supernet/training_data.h"

namespace elastiq {
namespace {

// Copies /weights, the tokenizer and the search space of the supernet into the palette file.
void WritePalette(const PaletteOptions& o, const PalettePlan& plan, const ModelFile& supernet,
                  const std::vector<PaletteEntry>& entries) {
  const ModelConfig& c = supernet.config();
  ModelFileWriter writer(o.out, c, kKindPalette,
                         supernet.h5().Exists("/tokenizer") ? supernet.TokenizerBytes() : std::string());
  for (const WeightShape& w : MaxnetWeightShapes(c))
    writer.WriteWeight(w.name, w.shape, supernet.ReadWeight(w.name).data());
  for (const PaletteEntry& e : entries) writer.AddPaletteEntry(e);
  if (supernet.h5().HasAttr("/", "subnet_space")) {
    writer.h5().SetAttr("/", "subnet_space", supernet.h5().GetStringAttr("/", "subnet_space"));
  }
  if (plan.device) writer.h5().SetAttr("/", "device_profile", DumpJson(DeviceProfileToJson(*plan.device)));
  writer.Commit();
}

// "    finalist d128_f384_kv2_l4    1115776 params  proxy loss 4.402  val perplexity 79.2"
std::string FinalistLine(const ModelConfig& c, const SubnetSpec& s, double proxy_loss, const EvalResult& r) {
  char line[200];
  std::snprintf(line, sizeof line, "    finalist %-22s %10lld params  proxy loss %.4g  val %s %.4g", s.name.c_str(),
                static_cast<long long>(CountParams(c, s).total()), proxy_loss, ValidationMetricName(c),
                ValidationMetric(c, r));
  return line;
}

}  // namespace

std::vector<PaletteEntry> RunPaletteSearch(const PaletteOptions& o, const PalettePlan& plan) {
  if (o.candidates < 1 || o.finalists < 1) throw UserError("--candidates and --finalists must be >= 1");
  const ModelFile supernet = ModelFile::Open(o.supernet);
  supernet.RequireKind({kKindSupernet}, "palette --supernet");
  const ModelConfig& c = supernet.config();
  ConfigureTorchProcess(o.threads);
  const Precision precision = ResolvePrecision(o.precision);
  const TrainingData data = LoadTrainingData(o.val_ids, o.val_ids, c, o.supernet, o.data);
  SuperTransformer model = LoadSuperTransformer(supernet);
  model->eval();

  std::map<std::pair<std::string, int64_t>, EvalResult> cache;  // (spec JSON, tokens) -> result
  auto evaluate = [&](const SubnetSpec& spec, int64_t tokens) {
    SubnetSpec key = spec;
    key.name.clear();
    auto [it, fresh] = cache.try_emplace({SubnetSpecToJson(key), tokens});
    if (fresh) it->second = EvaluateValidation(model, spec, data, c.max_seq_len, o.batch_size, tokens, precision);
    return it->second;
  };
  std::vector<PaletteEntry> entries;
  for (const SearchTarget& t : plan.targets) {
    std::vector<std::pair<double, SubnetSpec>> scored;
    for (const SubnetSpec& s : t.candidates) scored.emplace_back(evaluate(s, o.proxy_tokens).loss, s);
    std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    scored.resize(std::min<size_t>(scored.size(), static_cast<size_t>(o.finalists)));
    const SubnetSpec* best = nullptr;
    EvalResult best_result;
    std::vector<std::string> finalists;  // printed under the entry: how close the choice was
    for (const auto& [proxy, s] : scored) {
      EvalResult r = evaluate(s, o.eval_tokens);
      finalists.push_back(FinalistLine(c, s, proxy, r));
      if (!best || r.loss < best_result.loss) {
        best = &s;
        best_result = r;
      }
    }
    PaletteEntry e{*best, t.metrics};
    if (t.budget)
      e.metrics.update(DeviceEntryMetrics(*t.budget, CostOn(*plan.device, c, *best, plan.request), plan.request));
    e.metrics.update({{"candidate", best->name},
                      {"params", CountParams(c, e.spec).total()},
                      {"non_embedding_params", CountParams(c, e.spec).non_embedding()},
                      {"bytes_fp32", 4 * CountParams(c, e.spec).total()},
                      {"val_loss", best_result.loss},
                      {std::string("val_") + ValidationMetricName(c), ValidationMetric(c, best_result)},
                      {"val_tokens", best_result.count},
                      {"val_sample", best_result.sample}});
    e.spec.name = t.name;
    std::printf("%-6s %-22s %10lld params  val %s %.4g\n", t.name.c_str(), best->name.c_str(),
                static_cast<long long>(CountParams(c, e.spec).total()), ValidationMetricName(c),
                ValidationMetric(c, best_result));
    for (const std::string& line : finalists) std::printf("%s\n", line.c_str());
    entries.push_back(std::move(e));
  }
  WritePalette(o, plan, supernet, entries);
  return entries;
}

}  // namespace elastiq
