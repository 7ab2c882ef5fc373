#!/usr/bin/env bash
# How much a device profile's predictions move between probes of the same machine, for two builds side by
# side (experiments/results/probe_stability.md): ROUNDS rounds of `device probe` at 1 and at 2 threads, the
# two builds in turn within each round; then every profile predicts the random-weight MobileLLM-125M
# palette's entries (`device compare`) in fp32, W8A8 and ternary at 128 and 1024 tokens of context. Per
# build, per case: slowest / fastest prediction over its profiles. Nothing is benched: the spread is the
# probe's own, which a latency model's error on this machine cannot get below.
# Machines are shared and noisy: run it with nothing else busy.
# SKIP_PROBES=1 keeps the profiles of the last run and predicts again.
# Usage: [ROUNDS=4] [ENTRIES="maxnet p50 p25"] [OUT=experiments/results/probe_stability]
#        experiments/probe_stability.sh OUT_DIR A_BIN_DIR B_BIN_DIR   (each holding an elastiq binary)
set -euo pipefail
cd "$(dirname "$0")/.."
R=$1 A=$2/elastiq B=$3/elastiq
ROUNDS=${ROUNDS:-4}
export ENTRIES=${ENTRIES:-maxnet p50 p25} OUT=${OUT:-experiments/results/probe_stability}
mkdir -p "$R"
ELASTIQ_BIN_DIR=$3 bash experiments/random_m125_palette.sh "$R/m125.h5"
for round in $( [ "${SKIP_PROBES:-0}" = 1 ] || seq "$ROUNDS"); do
  for threads in 1 2; do
    for build in a b; do
      bin=$A; [ $build = b ] && bin=$B
      start=$(date +%s)
      $bin device probe --threads "$threads" --out "$R/profile-$build-t$threads-r$round.json" 2>/dev/null >/dev/null
      echo "round $round, $threads threads, build $build: probed in $(($(date +%s) - start)) s"
    done
  done
done
: >"$R/predictions.jsonl"
for build in a b; do
  for threads in 1 2; do
    for context in 128 1024; do
      for format in fp32 w8a8 ternary; do
        $B device compare $(ls "$R"/profile-$build-t$threads-r*.json) --palette "$R/m125.h5" --format "$format" \
          --context "$context" --json |
          python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps(dict(build=sys.argv[1],
            threads=int(sys.argv[2]), **r)))' "$build" "$threads" >>"$R/predictions.jsonl"
      done
    done
  done
done
python3 experiments/probe_stability_report.py "$R" "$A" "$B" "$ROUNDS"
