// `elastiq import hf`: a Hugging Face Llama-family checkpoint folder as an elastiq teacher file.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "src/core/error.h"
#include "src/core/subnet_spec.h"
#include "src/text/hf_import.h"
#include "tools/commands.h"

namespace elastiq {
namespace {

struct ImportHfOptions {
  std::string dir, out;
};

void AddImportHfOptions(po::options_description& d, ImportHfOptions& o) {
  // clang-format off
  d.add_options()
      ("dir", po::value(&o.dir)->required(), "Hugging Face folder: config.json, model.safetensors (or sharded with model.safetensors.index.json) or pytorch_model.bin, tokenizer.model")
      ("out", po::value(&o.out)->required(), "teacher file to write (.h5)");
  // clang-format on
}

// Has elastiq-train read DIR/pytorch_model.bin with LibTorch's loader into `converted` (safetensors);
// returns the helper's exit code (it has printed its error when not 0).
int ConvertTorchBin(const std::string& dir, const std::string& converted) {
  try {
    TrainingHelperPath();
  } catch (const UserError&) {
    throw UserError(dir +
                    ": its weights are pytorch_model.bin, which needs elastiq-train (the LibTorch helper); "
                    "this build has none: save the model as safetensors, or build with LibTorch");
  }
  std::printf("reading %s/pytorch_model.bin with LibTorch ...\n", dir.c_str());
  return RunTrainingHelper({"convert-torch-bin", "--in", dir + "/pytorch_model.bin", "--out", converted});
}

}  // namespace

int RunImportHf(const Args& args) {
  ImportHfOptions o;
  if (!ParseOptions("import hf options", "elastiq import hf --dir DIR --out teacher.h5", args, o, AddImportHfOptions)) {
    return 0;
  }
  HfImportSummary s;
  if (HasOnlyTorchBin(o.dir)) {
    // The conversion lives beside the output and is removed whatever happens.
    const std::string converted = o.out + ".pytorch_model.safetensors.tmp-" + std::to_string(getpid());
    struct RemoveAtExit {
      const std::string& path;
      ~RemoveAtExit() { std::filesystem::remove(path); }
    } remove{converted};
    if (const int rc = ConvertTorchBin(o.dir, converted); rc != 0) return rc;
    s = ImportHfCheckpoint(o.dir, o.out, converted);
  } else {
    s = ImportHfCheckpoint(o.dir, o.out);
  }
  std::printf("wrote %s: %s from %s (%d tensors), %lld parameters; run it with elastiq eval / generate / mlfs\n",
              o.out.c_str(), s.config.name.c_str(), s.weights.c_str(), s.tensors,
              static_cast<long long>(CountParams(s.config, MaxnetSpec(s.config)).total()));
  return 0;
}

}  // namespace elastiq
