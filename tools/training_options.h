// Options of the commands the front end `elastiq` hands to `elastiq-train`: one struct per command,
// each field registered once (flag, default, help) and used by both executables, so the helper
// accepts exactly what the user typed plus a few internal flags carrying the tokenized data.
#pragma once

#include <cstdint>
#include <string>

#include "lowrank/mlfs_options.h"
#include "lowrank/palette_options.h"
#include "quant/qat_options.h"
#include "src/runtime/sampler.h"
#include "supernet/distill_options.h"
#include "supernet/pretrain_options.h"
#include "tools/cli.h"

namespace elastiq {

struct EvalOptions {
  std::string model;
  std::string data;
  std::string split = "val";
  std::string subnet;      // empty: the first palette entry
  std::string shape_from;  // take the subnet's spec from this file (same config) instead
  std::string engine = "torch";
  std::string format = "fp32";
  std::string precision = "fp32";
  int64_t max_tokens = 0;  // 0: the whole split
  int batch_size = 8;
  int threads = 0;
  bool json = false;
  bool head = false;  // score the split's first windows / examples instead of the spread sample
  // internal (front end -> helper)
  std::string eval_ids, train_ids;
};

struct GenerateOptions {
  std::string model;
  std::string subnet;
  std::string prompt;
  int max_tokens = 64;
  SamplerOptions sampler;
  int threads = 0;
  // internal
  std::string prompt_ids;  // comma-separated
};

// `bench`: what the runtime's `elastiq bench` and its LibTorch side (`elastiq-train bench`) share.
struct DecodeBenchOptions {
  std::string palette;
  std::string subnet;  // empty: the largest entry
  int threads = 0;
  int prompt_tokens = 64;
  int decode_tokens = 64;
  int repeats = 3;
};

void AddPretrainOptions(po::options_description& d, PretrainOptions& o);
void AddDistillOptions(po::options_description& d, DistillOptions& o);
// Shared by pretrain and mlfs; the internal ones carry the tokenized data from front end to helper.
void AddTrainLoopOptions(po::options_description& d, TrainLoopOptions& o);
void AddTrainLoopInternalOptions(po::options_description& d, TrainLoopOptions& o);
// Fills unset data-parallel fields from the environment (WORLD_SIZE, RANK, MASTER_ADDR/PORT) and
// checks them: UserError for a rank out of range or a missing master address.
void ResolveParallelOptions(ParallelOptions& p);
// UserError when a command without a training loop is asked for more than one process.
void RequireOneProcess(const ParallelOptions& p, const std::string& command);
void AddMlfsOptions(po::options_description& d, MlfsOptions& o);
void AddPaletteOptions(po::options_description& d, PaletteOptions& o);
void AddPaletteInternalOptions(po::options_description& d, PaletteOptions& o);
void AddQuantizeOptions(po::options_description& d, QatOptions& o);  // PTQ flags + QAT's
void AddEvalOptions(po::options_description& d, EvalOptions& o);
void AddEvalInternalOptions(po::options_description& d, EvalOptions& o);
void AddGenerateOptions(po::options_description& d, GenerateOptions& o);
void AddGenerateInternalOptions(po::options_description& d, GenerateOptions& o);
// --palette, --subnet, --threads, --prompt-tokens, --decode-tokens, --repeats; then
// CheckDecodeBenchOptions after parsing (UserError unless the lengths and repeats are positive).
void AddDecodeBenchOptions(po::options_description& d, DecodeBenchOptions& o);
void CheckDecodeBenchOptions(const DecodeBenchOptions& o);
// UserError when prompt + decode tokens (summed without overflow) exceed the model's context.
void CheckDecodeBenchLength(const DecodeBenchOptions& o, int max_seq_len);
// --temperature, --top-k, --top-p, --seed (generate and run).
void AddSamplerOptions(po::options_description& d, SamplerOptions& o);

inline constexpr const char* kPretrainUsage =
    "elastiq pretrain --config FILE.json --data DIR --tokenizer FILE.model --out FILE.h5 [options]\n"
    "       elastiq pretrain --shape-from P.h5 --subnet NAME [--init-from W.h5] --data DIR --tokenizer FILE.model "
    "--out FILE.h5 [options]";
inline constexpr const char* kDistillUsage =
    "elastiq distill --teacher T.h5 (--shape-from P.h5 [--subnet NAME] | --spec FILE.json) --data DIR --steps N "
    "--out S.h5 [--init slice|random] [--kd-weight A --task-weight B --temperature T] [--hidden-weight H]";
inline constexpr const char* kMlfsUsage =
    "elastiq mlfs --teacher T.h5 --data DIR --out S.h5 [--space FILE.json] [--stage0-steps N --stage1-steps N "
    "--stage2-steps N] [--subnets-per-step K] [--gamma G] [--resume]";
inline constexpr const char* kPaletteUsage =
    "elastiq palette --supernet S.h5 --data DIR --out P.h5 [--sizes 1 0.67 0.5 0.25 | --device D.json --format F "
    "[--latency-ms 5 10] [--memory 64M 128M] [--context N]]";
inline constexpr const char* kQuantizeUsage =
    "elastiq quantize --in P.h5 --format w8a8|ternary --out Q.h5 [--subnets a,b|all] [--qat-steps N --data DIR]";
inline constexpr const char* kEvalUsage =
    "elastiq eval --model FILE.h5 --data DIR [--split val|test] [--subnet NAME] [--engine torch|runtime] [--format "
    "fp32|w8a8|ternary] [--json]";
inline constexpr const char* kGenerateUsage =
    "elastiq generate --model FILE.h5 --prompt TEXT [--max-tokens N] [sampling options]";

}  // namespace elastiq
