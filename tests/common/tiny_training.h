// Tiny training inputs shared by the LibTorch test suites (supernet, lowrank, qat): a config, an
// opaque tokenizer, learnable token streams, and quiet fp32 pretraining options over them.
#pragma once

#include <cstdint>
#include <string>

#include "supernet/pretrain_options.h"
#include "tests/common/test_util.h"

namespace elastiq::testing {

// Writes dir/config.json (config_json), dir/tok.model, and learnable dir/train.h5 (20000 ids) and
// dir/val.h5 (2000 ids) over a 40-token vocabulary.
void WriteTinyTrainingInputs(const ScratchDir& dir, const std::string& config_json);

// Points a training run at those files (train_ids, val_ids in dir) and makes it quiet and
// deterministic: no progress lines, fp32, one thread.
void UseTinyInputsQuietly(const ScratchDir& dir, TrainLoopOptions& o);

// Pretraining over those files into dir/out_name: `steps` steps of batch 8 at lr 1e-2, 128
// evaluation tokens, fp32 on one thread, no progress lines.
PretrainOptions TinyPretrainOptions(const ScratchDir& dir, int64_t steps, const std::string& out_name);

}  // namespace elastiq::testing
