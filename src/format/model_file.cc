// Reading and writing the v1 layout: root attributes, /tokenizer, /weights, /palette.
#include "src/format/model_file.h"

#include "src/core/error.h"
#include "src/core/json_fields.h"
#include "src/format/file_seal.h"
#include "src/format/weight_layout.h"

namespace elastiq {
namespace {

UserError DuplicateEntry(const std::string& path, const std::string& name) {
  return UserError(path + ": two palette entries are named \"" + name + "\"; entry names must be unique");
}

}  // namespace

ModelFileWriter::ModelFileWriter(const std::string& path, const ModelConfig& config, const std::string& kind,
                                 const std::string& tokenizer_bytes)
    : atomic_(path), file_(H5File::Create(atomic_.temp_path(), path, kSealBlockBytes)), config_(config) {
  file_.SetAttr("/", "format", std::string(kFormatName));
  file_.SetAttr("/", "format_version", int64_t{kFormatVersion});
  file_.SetAttr("/", "kind", kind);
  file_.SetAttr("/", "config", ModelConfigToJson(config));
  file_.SetAttr("/", "created_by", std::string("elastiq ") + ELASTIQ_VERSION);
  if (!tokenizer_bytes.empty()) {
    file_.WriteDataset("/tokenizer", DType::kU8, {static_cast<int64_t>(tokenizer_bytes.size())},
                       tokenizer_bytes.data());
    file_.SetAttr("/tokenizer", "type", std::string("sentencepiece"));
  }
  file_.CreateGroup("/weights");
  file_.CreateGroup("/palette");
}

void ModelFileWriter::WriteWeight(const std::string& name, const std::vector<int64_t>& shape, const float* data) {
  file_.WriteDataset("/weights/" + name, DType::kF32, shape, data);
}

void ModelFileWriter::AddPaletteEntry(const PaletteEntry& entry) {
  ValidateSubnetSpec(entry.spec, config_, file_.name());
  const std::string group = "/palette/" + entry.spec.name;
  if (file_.Exists(group)) throw DuplicateEntry(file_.name(), entry.spec.name);
  file_.CreateGroup(group);
  file_.SetAttr(group, "spec", SubnetSpecToJson(entry.spec));
  file_.SetAttr(group, "metrics", entry.metrics.dump());
}

void ModelFileWriter::Commit() {
  file_.CloseOrFail();
  SealFile(atomic_.temp_path(), atomic_.final_path());
  atomic_.Commit();
}

ModelFile ModelFile::Open(const std::string& path) {
  CheckSeal(path);  // before libhdf5 parses a byte of it
  ModelFile m(H5File::OpenReadOnly(path));
  const H5File& f = m.file_;
  if (!f.HasAttr("/", "format") || f.GetStringAttr("/", "format") != kFormatName) {
    throw UserError(path + ": an HDF5 file, but not an elastiq model file (no format=\"elastiq\" attribute)");
  }
  int64_t version = f.GetIntAttr("/", "format_version");
  if (version < 1) throw UserError(path + ": invalid format_version " + std::to_string(version));
  if (version > kFormatVersion) {
    throw UserError(path + ": format version " + std::to_string(version) + " is newer than this elastiq reads (" +
                    std::to_string(kFormatVersion) + "); upgrade elastiq");
  }
  m.format_version_ = static_cast<int>(version);
  m.kind_ = f.GetStringAttr("/", "kind");
  m.config_ = ParseModelConfig(f.GetStringAttr("/", "config"), path + " (config attribute)");
  for (const std::string& name : f.ListGroup("/palette")) {
    const std::string group = "/palette/" + name;
    PaletteEntry e;
    e.spec = ParseSubnetSpec(f.GetStringAttr(group, "spec"), path + " " + group);
    if (e.spec.name != name) {
      throw UserError(path + ": " + group + " holds a spec named \"" + e.spec.name +
                      "\"; an entry's spec must carry its group's name (two entries could otherwise share one)");
    }
    ValidateSubnetSpec(e.spec, m.config_, path);
    if (e.spec.rank != 0) {
      throw UserError(path + ": " + group + " spec has rank " + std::to_string(e.spec.rank) +
                      "; palette entries run on the merged /weights and must have rank 0 (an adapter-rank "
                      "prefix exists only while training)");
    }
    // An entry written with no metrics ({} in C++ is a JSON null) stores "null": no metrics.
    const std::string metrics = f.HasAttr(group, "metrics") ? f.GetStringAttr(group, "metrics") : "null";
    e.metrics = ParseJsonObject(metrics == "null" ? "{}" : metrics, path + " " + group + " metrics");
    for (const PaletteEntry& seen : m.palette_) {
      if (seen.spec.name == name) throw DuplicateEntry(path, name);
    }
    m.palette_.push_back(std::move(e));
  }
  if (m.palette_.empty()) throw UserError(path + ": the palette is empty (every model file has at least the maxnet)");
  for (const WeightShape& w : MaxnetWeightShapes(m.config_)) {
    DatasetInfo info = f.Info("/weights/" + w.name);
    if (info.dtype != DType::kF32 || info.shape != w.shape) {
      throw UserError(path + ": /weights/" + w.name + " has the wrong type or shape for its config");
    }
  }
  return m;
}

const PaletteEntry& ModelFile::Entry(const std::string& name) const {
  std::string names;
  for (const PaletteEntry& e : palette_) {
    if (e.spec.name == name) return e;
    names += (names.empty() ? "" : ", ") + e.spec.name;
  }
  throw UserError(path() + ": no palette entry \"" + name + "\"; it has: " + names);
}

const PaletteEntry& ModelFile::EntryOrLargest(const std::string& name) const {
  if (!name.empty()) return Entry(name);
  const PaletteEntry* best = &palette_.front();
  for (const PaletteEntry& e : palette_) {
    if (CountParams(config_, e.spec).total() > CountParams(config_, best->spec).total()) best = &e;
  }
  return *best;
}

SubnetSpace ModelFile::StoredSubnetSpace() const {
  if (!file_.HasAttr("/", "subnet_space")) return DefaultSubnetSpace(config_);
  return ParseSubnetSpace(file_.GetStringAttr("/", "subnet_space"), config_, path() + " subnet_space");
}

std::string ModelFile::TokenizerBytes() const {
  if (!file_.Exists("/tokenizer")) throw UserError(path() + ": holds no tokenizer (/tokenizer is missing)");
  std::vector<uint8_t> bytes = file_.Read<uint8_t>("/tokenizer", DType::kU8);
  return std::string(bytes.begin(), bytes.end());
}

std::vector<float> ModelFile::ReadWeight(const std::string& name) const {
  for (const WeightShape& w : MaxnetWeightShapes(config_)) {
    if (w.name != name) continue;
    int64_t n = 1;
    for (int64_t d : w.shape) n *= d;
    std::vector<float> out(static_cast<size_t>(n));
    file_.ReadDataset("/weights/" + name, DType::kF32, w.shape, out.data());
    return out;
  }
  ELASTIQ_ASSERT(false, "unknown weight name " + name);
  return {};
}

void ModelFile::RequireKind(std::initializer_list<const char*> accepted, const std::string& purpose) const {
  std::string names;
  for (const char* k : accepted) {
    if (kind_ == k) return;
    names += (names.empty() ? "" : " or ") + std::string(k);
  }
  throw UserError(path() + ": is a " + kind_ + " file, but " + purpose + " needs a " + names + " file");
}

}  // namespace elastiq
