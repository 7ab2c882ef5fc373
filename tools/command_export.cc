// `elastiq export gguf`: one palette entry as a llama-architecture GGUF for llama.cpp and its kin.
#include <cstdio>

#include "quant/gguf_export.h"
#include "tools/commands.h"

namespace elastiq {
namespace {

void AddExportGgufOptions(po::options_description& d, GgufExportOptions& o) {
  // clang-format off
  d.add_options()
      ("palette", po::value(&o.palette)->required(), "model file (any elastiq .h5: teacher, supernet or palette)")
      ("subnet", po::value(&o.subnet), "palette entry to export (default: the largest)")
      ("type", po::value(&o.type)->default_value(o.type),
       "matrix type: f32 | f16 | q8_0 (from the fp32 weights) | tq2_0 | tq1_0 (the file's ternary copy); norms stay f32")
      ("fallback", po::value(&o.fallback),
       "q8_0: with tq2_0/tq1_0, write matrices whose rows are not a multiple of 256 as q8_0 (same ternary values)")
      ("out", po::value(&o.out)->required(), "GGUF file to write");
  // clang-format on
}

}  // namespace

int RunExportGguf(const Args& args) {
  GgufExportOptions o;
  constexpr const char* kUsage =
      "elastiq export gguf --palette P.h5 [--subnet NAME] --type f32|f16|q8_0|tq2_0|tq1_0 [--fallback q8_0] --out "
      "m.gguf";
  if (!ParseOptions("export gguf options", kUsage, args, o, AddExportGgufOptions)) return 0;
  const GgufExportSummary s = ExportGguf(o);
  std::printf("wrote %s: entry %s as a llama GGUF (%s), %d blocks, %lld parameters, %.2f MB\n", o.out.c_str(),
              s.subnet.c_str(), o.type.c_str(), s.blocks, static_cast<long long>(s.parameters), s.file_bytes / 1e6);
  if (s.fallback_tensors > 0)
    std::printf("  %d matrices as q8_0 (--fallback: rows not a multiple of 256)\n", s.fallback_tensors);
  return 0;
}

}  // namespace elastiq
