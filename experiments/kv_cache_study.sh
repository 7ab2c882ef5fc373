#!/usr/bin/env bash
# The fp16 KV cache against the fp32 one (experiments/results/kv_cache_f16.md), raw figures on stdout:
# 1. decode tokens/s, --kv-cache f32 (A) vs f16 (B) in interleaved rounds (ab_decode.sh), at a long
#    context (1984-token prompt + 64 decoded = 2048) and a short one (64 + 64), W8A8 and ternary, 1 and
#    2 threads; the KV-cache bytes from run's footprint table;
# 2. quality: logit differences (kv_cache_logits) on the random model at 2048 tokens and on a trained
#    model over text windows, and the trained model's test perplexity with each cache (eval --engine runtime).
# Usage: experiments/kv_cache_study.sh BUILD_DIR MODEL.h5 [TRAINED.h5 DATA_DIR] [ROUNDS]
#   MODEL.h5: a random-weight file with w8a8 and ternary copies (elastiq init --random, quantize);
#   DATA_DIR is written to (tokens/): pass a copy of a shared data folder.
set -euo pipefail
BUILD=$1 MODEL=$2 TRAINED=${3:-} DATA=${4:-} ROUNDS=${5:-5}
E=$BUILD/tools/elastiq LOGITS=$BUILD/experiments/kv_cache_logits
here=$(dirname "$0")
lscpu | head -20
for ctx in "1984 64" "64 64"; do
  read -r prompt decode <<<"$ctx"
  echo "## decode, context $((prompt + decode)) (prompt $prompt, decode $decode): A = --kv-cache f32, B = --kv-cache f16"
  A_ARGS="--kv-cache f32" B_ARGS="--kv-cache f16" BENCH_ARGS="--prompt-tokens $prompt --decode-tokens $decode --repeats 2" \
    "$here/ab_decode.sh" "$E" "$E" "$MODEL" "$ROUNDS" "w8a8 ternary" "1 2" 2>&1
done
for kv in f32 f16; do
  for context in 2048 128; do
    echo "## footprint, --kv-cache $kv, --context $context"
    "$E" run --palette "$MODEL" --format w8a8 --kv-cache $kv --context $context --memory-budget 64G --prompt-ids 1 \
      --max-tokens 1 2>&1 >/dev/null | grep -- '->'
  done
done
for format in w8a8 ternary; do
  echo "## logits, random model, $format, prefill 1984 + decode 64"
  "$LOGITS" "$MODEL" $format random 1984 64 1
done
[ -n "$TRAINED" ] || exit 0
"$E" quantize --in "$TRAINED" --format w8a8 --out "${TMPDIR:-/tmp}/kv_cache_study_w8a8.h5" >/dev/null
for model in "$TRAINED fp32" "${TMPDIR:-/tmp}/kv_cache_study_w8a8.h5 w8a8"; do
  read -r file format <<<"$model"
  for kv in f32 f16; do
    echo "## perplexity, $file, $format, --kv-cache $kv"
    "$E" eval --engine runtime --model "$file" --format $format --data "$DATA" --split test --kv-cache $kv --json
  done
  tokens=$(ls -t "$DATA"/tokens/test-*.h5 | head -1)
  echo "## logits, $file, $format, 50 windows of test text: prefill 64 + decode 64"
  "$LOGITS" "$file" $format "$tokens" 64 64 50
done
