// WriteTinyTrainingInputs / UseTinyInputsQuietly / TinyPretrainOptions.
#include "tests/common/tiny_training.h"

#include "src/core/atomic_file.h"
#include "src/text/token_ids.h"

namespace elastiq::testing {

void WriteTinyTrainingInputs(const ScratchDir& dir, const std::string& config_json) {
  WriteFileAtomically(dir / "config.json", config_json);
  WriteFileAtomically(dir / "tok.model", "opaque tokenizer bytes");
  WriteTokenStream(dir / "train.h5", {.vocab_size = 40, .ids = LearnableStream(20000, 1)});
  WriteTokenStream(dir / "val.h5", {.vocab_size = 40, .ids = LearnableStream(2000, 2)});
}

void UseTinyInputsQuietly(const ScratchDir& dir, TrainLoopOptions& o) {
  o.train_ids = dir / "train.h5";
  o.val_ids = dir / "val.h5";
  o.log_every = 0;
  o.precision = "fp32";
  o.threads = 1;
}

PretrainOptions TinyPretrainOptions(const ScratchDir& dir, int64_t steps, const std::string& out_name) {
  PretrainOptions o;
  o.config = dir / "config.json";
  o.tokenizer = dir / "tok.model";
  UseTinyInputsQuietly(dir, o);
  o.out = dir / out_name;
  o.steps = steps;
  o.batch_size = 8;
  o.lr = 1e-2;
  o.eval_tokens = 128;
  return o;
}

}  // namespace elastiq::testing
