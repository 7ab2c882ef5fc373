// `elastiq`: the one command line for users. LibTorch-free; training commands tokenize their data
// here (SentencePiece) and hand the token ids to `elastiq-train` (LibTorch) built beside it.
#include "tools/commands.h"

int main(int argc, char** argv) {
  using namespace elastiq;
  const std::vector<Command> commands = {
      {"data prepare", "download/clean corpora (brown, sotu, moby-dick, spam, all) or your text; split train/val/test",
       RunDataPrepare},
      {"tokenizer train", "train a SentencePiece BPE tokenizer (byte fallback) on a prepared data folder",
       RunTokenizerTrain},
      {"pretrain", "pretrain a teacher super-transformer from a JSON config (LibTorch)", RunPretrainFrontEnd},
      {"mlfs", "MLFS: low-rank fine-tune a teacher, then train every subnet of a search space at once (LibTorch)",
       RunMlfsFrontEnd},
      {"distill", "train one subnet shape from a frozen teacher: rewired slice + knowledge distillation (LibTorch)",
       RunDistillFrontEnd},
      {"launch", "start this machine's ranks of a data-parallel pretrain, distill, mlfs or QAT (torch c10d, Gloo)",
       RunLaunch},
      {"palette", "search an MLFS supernet for the best subnet at each size; write a palette file (LibTorch)",
       RunPaletteFrontEnd},
      {"eval", "perplexity (decoder) or accuracy (encoder) of a palette entry (--engine torch|runtime)",
       RunEvalFrontEnd},
      {"generate", "sample text from a model file with the LibTorch reference", RunGenerateFrontEnd},
      {"inspect", "show a model file: format, config, tensors, palette", RunInspect},
      {"init", "write a random-weight model file at real shapes (speed and memory work)", RunInit},
      {"quantize", "add a packed W8A8 or ternary copy of the weights (every palette entry runs from it)", RunQuantize},
      {"run", "generate text with the CPU runtime (streams tokens)", RunRun},
      {"bench", "runtime prefill/decode speed, bytes per token and the bandwidth roofline", RunBench},
      {"device probe", "measure this machine into a device profile: memory, bandwidth, kernel timings (JSON)",
       RunDeviceProbe},
      {"device compare", "a palette's predicted decode latency and memory on two or more device profiles",
       RunDeviceCompare},
      {"import hf", "turn a Hugging Face Llama/MobileLLM folder (safetensors, tokenizer.model) into a teacher file",
       RunImportHf},
      {"export gguf", "write one palette entry as a llama GGUF (llama.cpp, ollama, LM Studio)", RunExportGguf},
  };
  return Dispatch("elastiq", commands, Args(argv + 1, argv + argc));
}
