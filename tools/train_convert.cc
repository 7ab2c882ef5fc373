// `elastiq-train convert-torch-bin`: a torch.save state dict (pytorch_model.bin) rewritten as an F32
// safetensors file, read by LibTorch's own loader; `elastiq import hf` calls it for folders without
// safetensors weights.
#include <cstdio>

#include "src/core/error.h"
#include "src/format/safetensors.h"
#include "supernet/torch_state_dict.h"
#include "tools/commands.h"

namespace elastiq {
namespace {

struct ConvertOptions {
  std::string in, out;
};

void AddConvertOptions(po::options_description& d, ConvertOptions& o) {
  // clang-format off
  d.add_options()
      ("in", po::value(&o.in)->required(), "torch.save file (pytorch_model.bin)")
      ("out", po::value(&o.out)->required(), "safetensors file to write (F32)");
  // clang-format on
}

}  // namespace

int RunConvertTorchBinHelper(const Args& args) {
  ConvertOptions o;
  if (!ParseOptions("convert-torch-bin options",
                    "elastiq-train convert-torch-bin --in pytorch_model.bin --out F.safetensors", args, o,
                    AddConvertOptions))
    return 0;
  std::map<std::string, std::pair<std::vector<int64_t>, std::vector<float>>> tensors;
  for (auto& [name, t] : LoadTorchStateDict(o.in)) {
    if (!t.is_floating_point() || t.dtype() == torch::kFloat64) {
      throw UserError(o.in + ": tensor \"" + name + "\" is " + std::string(c10::toString(t.scalar_type())) +
                      "; Hugging Face weights are F32, F16 or BF16");
    }
    const torch::Tensor f = t.to(torch::kFloat32).contiguous();
    tensors[name] = {f.sizes().vec(), std::vector<float>(f.data_ptr<float>(), f.data_ptr<float>() + f.numel())};
  }
  WriteSafetensors(o.out, tensors, SafetensorsDType::kF32);
  std::printf("converted %zu tensors of %s\n", tensors.size(), o.in.c_str());
  return 0;
}

}  // namespace elastiq
