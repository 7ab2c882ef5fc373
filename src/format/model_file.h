// elastiq model file format v1 (documented in src/format/FORMAT.md): one HDF5 file per artefact
// (teacher checkpoint, supernet, palette). Every file is a palette: a checkpoint holds one entry,
// the maxnet. Writers go through a temporary file and rename on Commit(); readers validate the
// header, version, config and every tensor shape before use.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "src/core/atomic_file.h"
#include "src/core/model_config.h"
#include "src/core/subnet_space.h"
#include "src/core/subnet_spec.h"
#include "src/format/h5_file.h"

namespace elastiq {

inline constexpr int kFormatVersion = 1;
inline constexpr const char* kFormatName = "elastiq";

// What produced the file; later stages check they got the kind they need.
inline constexpr const char* kKindCheckpoint = "checkpoint";  // pretrained teacher
inline constexpr const char* kKindSupernet = "supernet";      // after MLFS
inline constexpr const char* kKindPalette = "palette";        // chosen subnets (+ quantized)

struct PaletteEntry {
  SubnetSpec spec;
  nlohmann::json metrics = nlohmann::json::object();  // measured quality, sizes, ...
};

class ModelFileWriter {
 public:
  ModelFileWriter(const std::string& path, const ModelConfig& config, const std::string& kind,
                  const std::string& tokenizer_bytes);
  H5File& h5() { return file_; }
  void WriteWeight(const std::string& name, const std::vector<int64_t>& shape, const float* data);
  void AddPaletteEntry(const PaletteEntry& entry);
  void Commit();  // closes the file and renames it into place

 private:
  AtomicFile atomic_;
  H5File file_;
  ModelConfig config_;
};

class ModelFile {
 public:
  static ModelFile Open(const std::string& path);
  const std::string& path() const { return file_.name(); }
  int format_version() const { return format_version_; }
  const std::string& kind() const { return kind_; }
  const ModelConfig& config() const { return config_; }
  const std::vector<PaletteEntry>& palette() const { return palette_; }
  const PaletteEntry& Entry(const std::string& name) const;  // UserError lists the names
  // Entry(name), or for an empty name the entry with the most parameters (the maxnet of a
  // checkpoint or supernet, the largest entry of a palette).
  const PaletteEntry& EntryOrLargest(const std::string& name) const;
  const H5File& h5() const { return file_; }

  std::string TokenizerBytes() const;
  // Reads /weights/<name> after checking it against the maxnet shape table.
  std::vector<float> ReadWeight(const std::string& name) const;
  void RequireKind(std::initializer_list<const char*> accepted, const std::string& purpose) const;
  // The search space an MLFS supernet was trained on (root attribute subnet_space), or the
  // default space for this config when the file has none.
  SubnetSpace StoredSubnetSpace() const;

 private:
  explicit ModelFile(H5File file) : file_(std::move(file)) {}
  H5File file_;
  int format_version_ = 0;
  std::string kind_;
  ModelConfig config_;
  std::vector<PaletteEntry> palette_;
};

}  // namespace elastiq
