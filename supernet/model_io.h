// Moves weights between the LibTorch module and model files (src/format/model_file.h).
#pragma once

#include <string>

#include "src/format/model_file.h"
#include "supernet/super_transformer.h"

namespace elastiq {

// Builds the module from the file's config and loads /weights (shapes checked by ModelFile).
SuperTransformer LoadSuperTransformer(const ModelFile& file);
void LoadWeightsInto(SuperTransformer& model, const ModelFile& file);
// Writes every parameter to /weights/<name>.
void WriteWeights(SuperTransformer& model, ModelFileWriter& writer);
// Tensor <-> dataset helpers for other state (optimizer moments, adapters).
void WriteTensor(H5File& file, const std::string& name, const torch::Tensor& t);
torch::Tensor ReadTensor(const H5File& file, const std::string& name, at::IntArrayRef expected_shape);
// Every parameter of `module` to <group>/<name>, and back into it (each shape checked).
void WriteParameters(H5File& file, const std::string& group, const torch::nn::Module& module);
void ReadParameters(const H5File& file, const std::string& group, torch::nn::Module& module);

}  // namespace elastiq
