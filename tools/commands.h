// The subcommands of `elastiq` (front end, LibTorch-free) and of `elastiq-train` (LibTorch helper).
#pragma once

#include <vector>

#include "tools/cli.h"

namespace elastiq {

int RunDataPrepare(const Args& args);
int RunTokenizerTrain(const Args& args);
int RunInspect(const Args& args);
int RunPretrainFrontEnd(const Args& args);
int RunMlfsFrontEnd(const Args& args);
int RunDistillFrontEnd(const Args& args);
int RunLaunch(const Args& args);
int RunPaletteFrontEnd(const Args& args);
int RunEvalFrontEnd(const Args& args);
int RunGenerateFrontEnd(const Args& args);
int RunInit(const Args& args);
int RunRun(const Args& args);
int RunQuantize(const Args& args);
struct QatOptions;
// quantize --qat-steps N (options parsed by RunQuantize): tokenizes, then elastiq-train qat.
int RunQatFrontEnd(const QatOptions& o, const Args& args);
int RunBench(const Args& args);
int RunExportGguf(const Args& args);
int RunImportHf(const Args& args);
int RunDeviceProbe(const Args& args);
int RunDeviceCompare(const Args& args);

// elastiq-train
int RunPretrainHelper(const Args& args);
int RunMlfsHelper(const Args& args);
int RunDistillHelper(const Args& args);
int RunPaletteHelper(const Args& args);
int RunEvalHelper(const Args& args);
int RunGenerateHelper(const Args& args);
int RunQatHelper(const Args& args);
int RunBenchHelper(const Args& args);
int RunConvertTorchBinHelper(const Args& args);

// Finds `args[0]` (or `args[0] args[1]`) in `commands` and runs it; prints help for "help".
int Dispatch(const std::string& program, const std::vector<Command>& commands, const Args& args);

}  // namespace elastiq
