// Parameter-by-parameter copies between LibTorch tensors and HDF5 datasets (fp32, contiguous).
#include "supernet/model_io.h"

#include "src/core/error.h"

namespace elastiq {

void WriteTensor(H5File& file, const std::string& name, const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kFloat).contiguous();
  std::vector<int64_t> shape(c.sizes().begin(), c.sizes().end());
  file.WriteDataset(name, DType::kF32, shape, c.data_ptr<float>());
}

torch::Tensor ReadTensor(const H5File& file, const std::string& name, at::IntArrayRef expected_shape) {
  std::vector<int64_t> shape(expected_shape.begin(), expected_shape.end());
  torch::Tensor t = torch::empty(expected_shape, torch::kFloat);
  file.ReadDataset(name, DType::kF32, shape, t.data_ptr<float>());
  return t;
}

void WriteParameters(H5File& file, const std::string& group, const torch::nn::Module& module) {
  for (const auto& p : module.named_parameters()) WriteTensor(file, group + "/" + p.key(), p.value());
}

void ReadParameters(const H5File& file, const std::string& group, torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.named_parameters()) p.value().copy_(ReadTensor(file, group + "/" + p.key(), p.value().sizes()));
}

void LoadWeightsInto(SuperTransformer& model, const ModelFile& file) { ReadParameters(file.h5(), "/weights", *model); }

SuperTransformer LoadSuperTransformer(const ModelFile& file) {
  SuperTransformer model(file.config());
  LoadWeightsInto(model, file);
  return model;
}

void WriteWeights(SuperTransformer& model, ModelFileWriter& writer) {
  WriteParameters(writer.h5(), "/weights", *model);
}

}  // namespace elastiq
