// What a training run trains (a whole model from a JSON config, or one subnet of an existing model
// file) and which subnet an evaluation runs (an entry of the model, or of another file with the
// same config): the same shape trained from scratch, from its sliced weights, or sliced untrained;
// and the shapes of a palette that MLFS trains every step (--sample-palette).
#pragma once

#include <string>
#include <vector>

#include "src/core/model_config.h"
#include "src/core/subnet_spec.h"
#include "src/format/model_file.h"

namespace elastiq {

struct TrainingShape {
  ModelConfig config;  // the model the weights live in (the subnet is a slice of it)
  SubnetSpec spec;     // what runs in every forward pass (the maxnet for a config)
};

// Exactly one of config_path / shape_file must be set; subnet names an entry of shape_file
// (empty: its largest). Errors name the flag and what to do.
TrainingShape ResolveTrainingShape(const std::string& config_path, const std::string& shape_file,
                                   const std::string& subnet);

// The entry `subnet` of model, or with shape_file set, that file's entry (its config must equal
// the model's: the spec is applied to the model's weights).
SubnetSpec ResolveSubnet(const ModelFile& model, const std::string& shape_file, const std::string& subnet);

// mlfs --sample-palette: every entry of palette_file but the maxnet. The file's config must equal
// `config` (the teacher's); UserError naming the file when it differs or has no entry below the maxnet.
std::vector<SubnetSpec> PaletteSubnets(const std::string& palette_file, const ModelConfig& config);

}  // namespace elastiq
