#!/usr/bin/env bash
# elastiq's runtime against llama.cpp on the same shapes, machine state and threads (targets: W8A8 >= 1.2x Q8_0,
# ternary >= 1.5x TQ2_0 decode):
# W8A8 vs Q8_0 (MobileLLM-125M and -350M shapes) and ternary vs TQ2_0 (a 512-wide 30-layer model:
# TQ2_0 needs rows that are multiples of 256), 1 and 2 threads, interleaved repeats, medians.
# Random weights on both sides: elastiq `init --random` + `quantize`; llama.cpp a random F16 GGUF
# (experiments/write_random_gguf.py) + its own llama-quantize (tied embedding kept Q8_0, as elastiq
# keeps it int8). llama.cpp is not part of elastiq: point LLAMA_BIN_DIR at a build of its public source.
# Usage: LLAMA_BIN_DIR=/path/to/llama.cpp/build/bin experiments/llamacpp_side_by_side.sh [REPEATS]
# (needs build/tools/elastiq or $ELASTIQ_BIN_DIR/elastiq; models go to runs/llamacpp/; writes
# experiments/results/llamacpp.md and llamacpp.png)
set -euo pipefail
cd "$(dirname "$0")/.."
REPEATS=${1:-5}
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
L=${LLAMA_BIN_DIR:?set LLAMA_BIN_DIR to the folder holding llama-bench and llama-quantize}
DIR=runs/llamacpp
mkdir -p "$DIR"
for model in mobilellm-125m mobilellm-350m ternary-512; do
  bash experiments/random_palette.sh "$DIR/$model.h5" "experiments/configs/$model.json"
  [ -f "$DIR/$model-f16.gguf" ] || python3 experiments/write_random_gguf.py "experiments/configs/$model.json" "$DIR/$model-f16.gguf"
  [ -f "$DIR/$model-q8_0.gguf" ] || "$L/llama-quantize" "$DIR/$model-f16.gguf" "$DIR/$model-q8_0.gguf" q8_0 >/dev/null 2>&1
done
[ -f "$DIR/ternary-512-tq2_0.gguf" ] || "$L/llama-quantize" --token-embedding-type q8_0 \
  "$DIR/ternary-512-f16.gguf" "$DIR/ternary-512-tq2_0.gguf" tq2_0 >/dev/null 2>&1
raw="$DIR/side_by_side.jsonl"
: >"$raw"
# One measurement: elastiq bench (decode after a 64-token prompt) or llama-bench (64 generated
# tokens from an empty context: slightly less attention work than elastiq's, so not in elastiq's favour).
ours() {  # model format threads
  $E bench --palette "$DIR/$1.h5" --format "$2" --threads "$3" --prompt-tokens 64 --decode-tokens 64 --repeats 1 --json --no-torch |
    python3 -c "import json,sys; j=json.load(sys.stdin); print(json.dumps({'engine':'elastiq','model':'$1','format':'$2','threads':$3,'decode':j['decode_tokens_per_s']}))" >>"$raw"
}
theirs() {  # model gguf-type threads
  "$L/llama-bench" -m "$DIR/$1-$2.gguf" -t "$3" -p 0 -n 64 -r 1 -o json 2>/dev/null |
    python3 -c "import json,sys; j=json.load(sys.stdin)[0]; print(json.dumps({'engine':'llama.cpp','model':'$1','format':'$2','threads':$3,'decode':j['avg_ts']}))" >>"$raw"
}
for r in $(seq "$REPEATS"); do
  for threads in 1 2; do
    for model in mobilellm-125m mobilellm-350m; do
      ours $model w8a8 $threads
      theirs $model q8_0 $threads
    done
    ours ternary-512 ternary $threads
    theirs ternary-512 tq2_0 $threads
    ours ternary-512 w8a8 $threads
    theirs ternary-512 q8_0 $threads
  done
  echo "repeat $r done: $(wc -l <"$raw") measurements"
done
cp "$raw" experiments/results/llamacpp_side_by_side.jsonl
python3 experiments/llamacpp_report.py "$raw" "$REPEATS" experiments/results/llamacpp.md experiments/results/llamacpp.png
