#!/usr/bin/env bash
# Does what ran just before a probe move its readings? (experiments/results/probe_after_benches.md.) In the
# device checks (device_palettes.sh, PROBE_EACH=format) the probes that followed the W8A8 benches read the cold
# attention tables slower than the others. Here each of ROUNDS rounds, for each format in BEFORE in turn,
# benches the random-weight MobileLLM-125M palette's 7 entries in that format at 1,024 tokens of context (as the
# check's last block before a probe), then probes; the report holds every probe's tables against the others.
# Machines are shared and noisy: run it with nothing else busy.
# Usage: [ROUNDS=3] [BEFORE="fp32 w8a8"] [THREADS=1] [OUT=experiments/results/probe_after_benches]
#        experiments/probe_after_benches.sh OUT_DIR   (uses build/tools/elastiq or $ELASTIQ_BIN_DIR/elastiq)
set -euo pipefail
cd "$(dirname "$0")/.."
R=$1 E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
ROUNDS=${ROUNDS:-3} BEFORE=${BEFORE:-fp32 w8a8} THREADS=${THREADS:-1} OUT=${OUT:-experiments/results/probe_after_benches}
mkdir -p "$R"
bash experiments/random_m125_palette.sh "$R/m125.h5"
for round in $(seq "$ROUNDS"); do
  for format in $BEFORE; do
    for entry in maxnet p80 p65 p50 p40 p30 p25; do
      $E bench --palette "$R/m125.h5" --subnet "$entry" --format "$format" --threads "$THREADS" --no-torch \
        --prompt-tokens 1024 --decode-tokens 64 --repeats 3 >/dev/null
    done
    $E device probe --threads "$THREADS" --out "$R/profile-r$round-after-$format.json" >/dev/null 2>&1
    echo "round $round: probed after the $format benches"
  done
done
python3 experiments/probe_after_benches_report.py "$OUT.md" "ROUNDS=$ROUNDS BEFORE=\"$BEFORE\" THREADS=$THREADS \
OUT=$OUT experiments/probe_after_benches.sh $R" "$R"/profile-r*.json
