#!/usr/bin/env bash
# Runtime decode/prefill speed side by side: fp32, W8A8 and ternary on random-weight models at real
# shapes (MobileLLM-125M, MobileLLM-350M) and on a tiny model (per-token fixed overhead), 1 and 2
# threads, interleaved repeats, medians. Writes experiments/results/runtime.md and runtime_decode.png.
# Usage: [MODELS="mobilellm-125m ..."] [OUT=runtime] experiments/runtime_bench.sh [REPEATS]   (needs build/tools/elastiq or
# $ELASTIQ_BIN_DIR/elastiq; with elastiq-train beside it, each run also times LibTorch fp32; models go to runs/bench/)
set -euo pipefail
cd "$(dirname "$0")/.."
REPEATS=${1:-3}
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
DIR=runs/bench
mkdir -p "$DIR"
for model in ${MODELS:-mobilellm-125m mobilellm-350m overhead-tiny}; do
  bash experiments/random_palette.sh "$DIR/$model.h5" "experiments/configs/$model.json"
done
raw="$DIR/${OUT:-runtime}_bench.jsonl"
: >"$raw"
for r in $(seq "$REPEATS"); do
  for model in ${MODELS:-mobilellm-125m mobilellm-350m overhead-tiny}; do
    for format in fp32 w8a8 ternary; do
      for threads in 1 2; do
        decode=64; [ "$model" = overhead-tiny ] && decode=150
        $E bench --palette "$DIR/$model.h5" --format $format --threads $threads --prompt-tokens 64 \
          --decode-tokens $decode --repeats 1 --json | sed "s/^{/{\"model\":\"$model\",\"repeat\":$r,/" >>"$raw"
        echo "repeat $r $model $format $threads threads: $(tail -1 "$raw" | grep -o '"decode_tokens_per_s":[0-9.]*')"
      done
    done
  done
done
RESULT=experiments/results/${OUT:-runtime}
cp "$raw" "${RESULT}_bench.jsonl"
python3 experiments/runtime_report.py "$raw" "$REPEATS" "$RESULT.md" "${RESULT}_decode.png"
