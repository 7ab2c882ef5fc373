// `elastiq-train`: the LibTorch helper behind `elastiq pretrain|mlfs|palette|eval|generate|bench|quantize --qat-steps`.
// It never links SentencePiece (Debian's SentencePiece and LibTorch carry clashing protobuf copies and crash in one
// process: docs/PLATFORM.md); it reads token ids the front end wrote.
#include "tools/commands.h"

int main(int argc, char** argv) {
  using namespace elastiq;
  const std::vector<Command> commands = {
      {"pretrain", "pretraining loop (called by `elastiq pretrain`)", RunPretrainHelper},
      {"mlfs", "MLFS supernet training (called by `elastiq mlfs`)", RunMlfsHelper},
      {"distill", "prune-and-distill training (called by `elastiq distill`)", RunDistillHelper},
      {"palette", "palette search (called by `elastiq palette`)", RunPaletteHelper},
      {"eval", "LibTorch evaluation (called by `elastiq eval`)", RunEvalHelper},
      {"generate", "LibTorch reference sampling (called by `elastiq generate`)", RunGenerateHelper},
      {"qat", "quantization-aware training (called by `elastiq quantize --qat-steps`)", RunQatHelper},
      {"bench", "LibTorch fp32 decode speed of a subnet (called by `elastiq bench`)", RunBenchHelper},
      {"convert-torch-bin", "pytorch_model.bin as safetensors (called by `elastiq import hf`)",
       RunConvertTorchBinHelper},
  };
  return Dispatch("elastiq-train", commands, Args(argv + 1, argv + argc));
}
