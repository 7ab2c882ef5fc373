// `elastiq inspect FILE [--json]`: what a model file (.h5) or a GGUF file holds.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "src/core/json_fields.h"
#include "src/core/printable_text.h"
#include "src/core/training_flops.h"
#include "src/format/gguf.h"
#include "src/format/model_file.h"
#include "tools/commands.h"

namespace elastiq {
namespace {

bool IsGguf(const std::string& path) {
  char magic[4] = {};
  std::ifstream(path, std::ios::binary).read(magic, 4);
  return std::memcmp(magic, "GGUF", 4) == 0;
}

// A metadata value for people: arrays as their length and first items.
std::string ShortValue(const GgufKv& kv) {
  if (kv.type != GgufValueType::kArray) return DumpJson(kv.value);
  nlohmann::json head = nlohmann::json::array();
  for (size_t i = 0; i < kv.value.size() && i < 5; ++i) head.push_back(kv.value[i]);
  return "[" + std::to_string(kv.value.size()) + " items] " + DumpJson(head) + (kv.value.size() > 5 ? " ..." : "");
}

int InspectGguf(const std::string& path, bool json) {
  const GgufFile f = ReadGguf(path);
  if (json) {
    nlohmann::json metadata = nlohmann::json::object(), tensors = nlohmann::json::array();
    for (const GgufKv& kv : f.metadata) metadata[kv.key] = kv.value;
    for (const GgufTensorInfo& t : f.tensors) {
      tensors.push_back({{"name", t.name},
                         {"ne", t.ne},
                         {"type", GgmlTypeName(t.type)},
                         {"bytes", t.bytes()},
                         {"offset", f.data_offset + t.offset}});
    }
    std::cout << DumpJson({{"file", path},
                           {"format", "gguf"},
                           {"version", f.version},
                           {"alignment", f.alignment},
                           {"metadata", metadata},
                           {"tensors", tensors}},
                          2)
              << "\n";
    return 0;
  }
  std::printf("%s: GGUF v%u, %zu metadata keys, %zu tensors, alignment %llu\n", PrintableText(path).c_str(), f.version,
              f.metadata.size(), f.tensors.size(), static_cast<unsigned long long>(f.alignment));
  for (const GgufKv& kv : f.metadata)
    std::printf("  %-44s %s\n", PrintableText(kv.key).c_str(), ShortValue(kv).c_str());
  for (const GgufTensorInfo& t : f.tensors) {
    std::string shape;
    for (uint64_t n : t.ne) shape += (shape.empty() ? "" : "x") + std::to_string(n);
    std::printf("  %-32s %-5s %-14s %10llu bytes @ %llu\n", PrintableText(t.name).c_str(), GgmlTypeName(t.type),
                shape.c_str(), static_cast<unsigned long long>(t.bytes()),
                static_cast<unsigned long long>(f.data_offset + t.offset));
  }
  return 0;
}

// Every dataset in the file, each once (the walk stops at link cycles).
nlohmann::json CollectTensors(const H5File& f) {
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& path : f.ListDatasets()) {
    DatasetInfo info = f.Info(path);
    out.push_back({{"name", path},
                   {"dtype", DTypeName(info.dtype)},
                   {"shape", info.shape},
                   {"bytes", info.bytes},
                   {"offset", info.file_offset}});
  }
  return out;
}

}  // namespace

int RunInspect(const Args& args) {
  std::string path;
  bool json = false;
  po::options_description d("inspect options");
  // clang-format off
  d.add_options()("file", po::value(&path)->required(), "model file (.h5) or GGUF file")("json", po::bool_switch(&json), "print JSON");
  // clang-format on
  po::variables_map vm;
  if (!ParseCommandLine("elastiq inspect FILE.h5|FILE.gguf [--json]", d, args, vm, "file")) return 0;
  if (IsGguf(path)) return InspectGguf(path, json);
  ModelFile m = ModelFile::Open(path);
  const nlohmann::json tensors = CollectTensors(m.h5());
  int64_t weight_bytes = 0, total_bytes = 0;
  for (const auto& t : tensors) {
    total_bytes += t["bytes"].get<int64_t>();
    if (t["name"].get<std::string>().rfind("/weights/", 0) == 0) weight_bytes += t["bytes"].get<int64_t>();
  }
  nlohmann::json palette = nlohmann::json::array();
  for (const PaletteEntry& e : m.palette()) {
    ParamCount p = CountParams(m.config(), e.spec);
    palette.push_back({{"name", e.spec.name},
                       {"spec", nlohmann::json::parse(SubnetSpecToJson(e.spec))},
                       {"params", p.total()},
                       {"non_embedding_params", p.non_embedding()},
                       // The compute meter's forward FLOPs of one max_seq_len sequence (src/core/training_flops.h).
                       {"forward_flops_per_sequence", ForwardFlops(m.config(), e.spec, 1, m.config().max_seq_len)},
                       {"metrics", e.metrics}});
  }
  nlohmann::json out = {{"file", path},
                        {"format_version", m.format_version()},
                        {"kind", m.kind()},
                        {"config", nlohmann::json::parse(ModelConfigToJson(m.config()))},
                        {"weight_bytes", weight_bytes},
                        {"dataset_bytes", total_bytes},
                        {"tensors", tensors},
                        {"palette", palette}};
  if (json) {
    std::cout << DumpJson(out, 2) << "\n";
    return 0;
  }
  std::printf("%s: elastiq format v%d, kind %s\n", PrintableText(path).c_str(), m.format_version(),
              PrintableText(m.kind()).c_str());
  std::printf("config: %s\n", ModelConfigToJson(m.config()).c_str());
  std::printf("tensors: %zu datasets, %.2f MB of weights, %.2f MB in all\n", tensors.size(), weight_bytes / 1e6,
              total_bytes / 1e6);
  for (const auto& t : tensors) {
    std::string shape;
    for (const auto& s : t["shape"]) shape += (shape.empty() ? "" : "x") + std::to_string(s.get<int64_t>());
    std::printf("  %-44s %-7s %-12s %10lld bytes @ %lld\n", PrintableText(t["name"].get<std::string>()).c_str(),
                t["dtype"].get<std::string>().c_str(), shape.c_str(), static_cast<long long>(t["bytes"].get<int64_t>()),
                static_cast<long long>(t["offset"].get<int64_t>()));
  }
  std::printf("palette: %zu entries\n", palette.size());
  for (const auto& e : palette) {
    std::printf("  %-16s %10lld params (%lld non-embedding)  metrics %s\n", e["name"].get<std::string>().c_str(),
                static_cast<long long>(e["params"].get<int64_t>()),
                static_cast<long long>(e["non_embedding_params"].get<int64_t>()), DumpJson(e["metrics"]).c_str());
  }
  return 0;
}

}  // namespace elastiq
