// `elastiq import hf`: a Hugging Face Llama-family checkpoint folder as an elastiq teacher file.
#include <cstdio>

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
      ("dir", po::value(&o.dir)->required(), "Hugging Face folder: config.json, model.safetensors (or sharded with model.safetensors.index.json), tokenizer.model")
      ("out", po::value(&o.out)->required(), "teacher file to write (.h5)");
  // clang-format on
}

}  // namespace

int RunImportHf(const Args& args) {
  ImportHfOptions o;
  if (!ParseOptions("import hf options", "elastiq import hf --dir DIR --out teacher.h5", args, o, AddImportHfOptions)) {
    return 0;
  }
  const HfImportSummary s = ImportHfCheckpoint(o.dir, o.out);
  std::printf("wrote %s: %s from %s (%d tensors), %lld parameters; run it with elastiq eval / generate / mlfs\n",
              o.out.c_str(), s.config.name.c_str(), s.weights.c_str(), s.tensors,
              static_cast<long long>(CountParams(s.config, MaxnetSpec(s.config)).total()));
  return 0;
}

}  // namespace elastiq
