#!/usr/bin/env bash
# Memory-aware running, measured (docs/METHODS.md, Runtime): per palette entry and format the predicted footprint vs
# the measured resident memory, switch latency down and up (without and with the re-prefill), and
# resident memory after switching down from the largest entry. Random-weight MobileLLM-125M palette
# (maxnet, p50, p25) at real shapes; context 256 filled to 255 tokens; medians of REPEATS runs.
# Usage: experiments/memory_bench.sh [REPEATS]   (needs build/tools/elastiq or $ELASTIQ_BIN_DIR/elastiq; models go to runs/memory/)
set -euo pipefail
cd "$(dirname "$0")/.."
REPEATS=${1:-5}
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
DIR=runs/memory
mkdir -p "$DIR"
bash experiments/random_palette.sh "$DIR/m125.h5" experiments/configs/mobilellm-125m.json --sizes 0.5 0.25
IDS=$(python3 -c "print(','.join(str(4 + (i * 37) % 31000) for i in range(192)))")
COMMON="--palette $DIR/m125.h5 --context 256 --prompt-ids $IDS --temperature 0 --threads 2"
raw="$DIR/memory_raw.txt"
: >"$raw"
for r in $(seq "$REPEATS"); do
  for format in w8a8 ternary fp32; do
    for entry in maxnet p50 p25; do
      cat "$DIR/m125.h5" >/dev/null  # same start for every run: the file in the page cache
      echo "### footprint $format $entry" >>"$raw"
      $E run $COMMON --format $format --subnet $entry --max-tokens 63 2>&1 >/dev/null | tail -1 >>"$raw"
    done
    [ $format = fp32 ] && continue
    cat "$DIR/m125.h5" >/dev/null
    echo "### switches $format" >>"$raw"
    $E run $COMMON --format $format --max-tokens 60 --switch-at 8:p25,24:maxnet,40:p50,56:maxnet 2>&1 >/dev/null | grep "switch at\|given back" >>"$raw"
  done
  echo "repeat $r done"
done
python3 experiments/memory_report.py "$raw" "$REPEATS" experiments/results/memory.md
