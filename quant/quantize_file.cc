// Copy the input to a temporary file, append the packed tensors, rename into place.
#include "quant/quantize_file.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "quant/weight_quant.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/format/file_seal.h"
#include "src/format/model_file.h"
#include "src/format/quant_groups.h"
#include "src/format/weight_layout.h"

namespace elastiq {
namespace {

void WriteQuantized(H5File& f, const std::string& group, const QuantizedMatrix& m, bool ternary) {
  f.CreateGroup(group);
  f.SetAttr(group, "rows", m.shape.rows);
  f.SetAttr(group, "cols", m.shape.cols);
  f.SetAttr(group, "rows_padded", m.shape.rows_padded);
  if (ternary) {
    f.WriteDataset(group + "/packed", DType::kU8, {static_cast<int64_t>(m.packed_ternary.size())},
                   m.packed_ternary.data());
  } else {
    f.WriteDataset(group + "/packed", DType::kI8, {static_cast<int64_t>(m.packed_int8.size())}, m.packed_int8.data());
    f.WriteDataset(group + "/rowsum", DType::kI32, {m.shape.panels(), m.shape.rows_padded}, m.rowsum.data());
  }
  f.WriteDataset(group + "/scale", DType::kF32, {m.shape.rows}, m.scale.data());
}

}  // namespace

std::vector<std::string> SelectSubnets(const ModelFile& file, const std::string& list) {
  std::vector<std::string> palette_names;
  for (const PaletteEntry& e : file.palette()) palette_names.push_back(e.spec.name);
  if (list == "all") return palette_names;
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string name; std::getline(in, name, ',');) {
    if (name.empty()) continue;
    if (std::find(palette_names.begin(), palette_names.end(), name) == palette_names.end()) {
      std::string known;
      for (const std::string& n : palette_names) known += (known.empty() ? "" : ", ") + n;
      throw UserError("--subnets: no palette entry \"" + name + "\"; the palette has: " + known + " (or say all)");
    }
    out.push_back(name);
  }
  if (out.empty()) throw UserError("--subnets is empty; name palette entries (a,b) or say all");
  return out;
}

bool IsPackedWeight(const WeightShape& weight) { return weight.shape.size() == 2 && weight.name != "cls_head"; }

std::string QuantGroup(const std::string& format) {
  if (format == "w8a8" || format == "ternary") return QuantFormatGroup(format);
  throw UserError("--format must be w8a8 or ternary, got \"" + format + "\"");
}

void RequireNoQuantCopy(const ModelFile& file, const std::string& format) {
  const std::string group = QuantGroup(format);
  if (file.h5().Exists(group)) throw UserError(file.path() + ": already holds " + format + " weights (" + group + ")");
}

QuantizeSummary QuantizeModelFile(const std::string& in, const std::string& format, const std::string& out,
                                  const QuantizeSource& source) {
  const std::string group = QuantGroup(format);
  const bool ternary = format == "ternary";
  ModelFile model = ModelFile::Open(in);
  RequireNoQuantCopy(model, format);
  if (std::filesystem::exists(out) && std::filesystem::equivalent(in, out)) {
    throw UserError("--out must differ from --in: the input is never modified");
  }
  QuantizeSummary summary;
  AtomicFile atomic(out);
  std::filesystem::copy_file(in, atomic.temp_path(), std::filesystem::copy_options::overwrite_existing);
  {
    H5File f = H5File::OpenReadWrite(atomic.temp_path(), out);
    for (const WeightShape& w : MaxnetWeightShapes(model.config())) {
      if (!IsPackedWeight(w)) continue;
      const std::vector<float> values = source.weights ? source.weights(w.name) : model.ReadWeight(w.name);
      const bool embedding = w.name == "embed";
      const std::string where = in + ": " + w.name;
      QuantizedMatrix m = (ternary && !embedding) ? QuantizeTernary(values.data(), w.shape[0], w.shape[1], where)
                                                  : QuantizeW8(values.data(), w.shape[0], w.shape[1], where);
      WriteQuantized(f, QuantTensorGroup(format, w.name), m, ternary && !embedding);
      summary.matrices++;
      if (embedding) {
        summary.embedding_bytes += m.shape.int8_bytes();
      } else {
        summary.linear_bytes += ternary ? m.shape.ternary_bytes() : m.shape.int8_bytes();
        summary.linear_params += w.shape[0] * w.shape[1];
      }
    }
    f.SetAttr(group, "format", format);
    if (!source.qat_subnets.empty()) f.SetAttr(group, "qat_subnets", nlohmann::json(source.qat_subnets).dump());
    if (source.extra) source.extra(f);
    f.CloseOrFail();
  }
  SealFile(atomic.temp_path(), out);
  atomic.Commit();
  return summary;
}

}  // namespace elastiq
