// Resolves --config / --shape-from + --subnet into the model and the slice a training run uses.
#include "src/format/training_shape.h"

#include "src/core/error.h"

namespace elastiq {

TrainingShape ResolveTrainingShape(const std::string& config_path, const std::string& shape_file,
                                   const std::string& subnet) {
  if (config_path.empty() == shape_file.empty()) {
    throw UserError(
        "give exactly one of --config FILE.json (a whole model) or --shape-from FILE.h5 (one of its subnets)");
  }
  if (shape_file.empty()) {
    if (!subnet.empty())
      throw UserError("--subnet needs --shape-from FILE.h5 (the palette or supernet that defines it)");
    const ModelConfig config = LoadModelConfig(config_path);
    return {config, MaxnetSpec(config)};
  }
  const ModelFile file = ModelFile::Open(shape_file);
  return {file.config(), file.EntryOrLargest(subnet).spec};
}

SubnetSpec ResolveSubnet(const ModelFile& model, const std::string& shape_file, const std::string& subnet) {
  if (shape_file.empty()) return model.EntryOrLargest(subnet).spec;
  const ModelFile shapes = ModelFile::Open(shape_file);
  const std::string diff = DescribeConfigDifference(shapes.config(), model.config());
  if (!diff.empty()) {
    throw UserError("--shape-from " + shape_file + " has another config than " + model.path() + " (" + diff +
                    "); its subnets do not apply to that model");
  }
  return shapes.EntryOrLargest(subnet).spec;
}

std::vector<SubnetSpec> PaletteSubnets(const std::string& palette_file, const ModelConfig& config) {
  const ModelFile palette = ModelFile::Open(palette_file);
  const std::string diff = DescribeConfigDifference(palette.config(), config);
  if (!diff.empty()) {
    throw UserError("--sample-palette " + palette_file + " has another config than the teacher (" + diff +
                    "); give a palette searched on a supernet of this teacher");
  }
  std::vector<SubnetSpec> subnets;
  for (const PaletteEntry& e : palette.palette()) {
    if (!IsMaxnet(e.spec, config)) subnets.push_back(e.spec);
  }
  if (subnets.empty()) {
    throw UserError("--sample-palette " + palette_file +
                    " has no subnet below the maxnet; give a palette with "
                    "smaller entries (elastiq palette --sizes 1 0.67 0.5 0.25)");
  }
  return subnets;
}

}  // namespace elastiq
