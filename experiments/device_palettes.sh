#!/usr/bin/env bash
# Palettes per device (experiments/results/device_palettes.md):
#  A. the latency model against real runs: a random-weight MobileLLM-125M palette of 7 entries (4x in
#     parameters) in fp32, W8A8 and ternary, 1 and 2 threads, contexts 128 and 1024; each round probes
#     the machine at both thread counts, then benches every case with --device (predicted beside
#     measured, interleaved); ROUNDS rounds, medians. PROBE_EACH=format probes again before each
#     format's block of benches (both contexts), so a prediction is at most about 4 minutes older than
#     the runs it is held against, not about 11;
#  B. palettes for two device configurations (the default ISA at 2 threads, AVX2 at 1 thread; on an
#     AVX2 machine they differ in threads alone) from one trained supernet at the same budgets: which entries
#     each gets, and each entry's measured decode time under its own configuration; and the device-free
#     --sizes palette's best entry within each budget on the same profile, for quality at a budget.
# Machines are shared and noisy: run it with nothing else busy (background training paused).
# A_ONLY=1 stops after A (with ENTRIES and REPEATS: a quicker check of the model, reported in OUT.md).
# B's two profiles watch real decode steps for WATCH_MINUTES after their probe (device probe
# --watch-minutes), so the margin their palettes keep covers how the machine's speed moves over that time.
# Usage: [ROUNDS=2] [PROBE_EACH=threads|format] [BUDGET_ROUNDS=3] [WATCH_MINUTES=10] [SKIP_A=1] [A_ONLY=1 ENTRIES="maxnet p50 p25" REPEATS=3 OUT=experiments/results/NAME] [SUPERNET=runs/quickstart/supernet.h5 DATA=runs/quickstart/data SIZES=runs/quickstart/palette.h5]
#        experiments/device_palettes.sh [OUT_DIR]   (uses build/tools/elastiq or $ELASTIQ_BIN_DIR/elastiq)
set -euo pipefail
cd "$(dirname "$0")/.."
R=${1:-runs/device}
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
ROUNDS=${ROUNDS:-2}
export PROBE_EACH=${PROBE_EACH:-threads}
BUDGET_ROUNDS=${BUDGET_ROUNDS:-3}
WATCH_MINUTES=${WATCH_MINUTES:-10}
SUPERNET=${SUPERNET:-runs/quickstart/supernet.h5}
DATA=${DATA:-runs/quickstart/data}
SIZES=${SIZES:-runs/quickstart/palette.h5}
export ENTRIES=${ENTRIES:-maxnet p80 p65 p50 p40 p30 p25} REPEATS=${REPEATS:-5}
mkdir -p "$R"
git rev-parse --short HEAD >"$R/commit.txt"  # the report names the commit the run was made with
bash experiments/random_m125_palette.sh "$R/m125.h5"

# A. Predicted vs measured (SKIP_A=1: keep the last run's, e.g. to redo B alone).
raw=$R/accuracy.jsonl
[ "${SKIP_A:-0}" = 1 ] || : >"$raw"
for round in $( [ "${SKIP_A:-0}" = 1 ] || seq "$ROUNDS"); do
  for threads in 1 2; do
    probe() {  # $1: the profile's name after profile-
      profile=$R/profile-$1.json
      $E device probe --threads "$threads" --out "$profile" 2>/dev/null | tee "$R/probe-$1.txt"
    }
    [ "$PROBE_EACH" = format ] || probe "t$threads-r$round"
    for format in fp32 w8a8 ternary; do
      [ "$PROBE_EACH" = format ] && probe "t$threads-r$round-$format"
      for context in 128 1024; do
        for entry in $ENTRIES; do
          $E bench --palette "$R/m125.h5" --subnet "$entry" --format "$format" --threads "$threads" --no-torch \
            --prompt-tokens "$context" --decode-tokens 64 --repeats "$REPEATS" --device "$profile" --json |
            sed "s/^{/{\"round\":$round,\"context\":$context,/" >>"$raw"
          echo "round $round, $threads threads, context $context, $format $entry: $(tail -1 "$raw" |
            python3 -c 'import json,sys; r=json.load(sys.stdin); print("decode %.3f ms predicted %.3f" % (r["decode_ms_per_token"], r["predicted_decode_ms_per_token"]))')"
        done
      done
    done
  done
done

if [ "${A_ONLY:-0}" = 1 ]; then
  A_ONLY=1 python3 experiments/device_palettes_report.py "$R" "$ROUNDS" "" ""
  exit 0
fi

# B. Two device configurations, one supernet, the same budgets.
fast_isa=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["isa"])' "$R/profile-t2-r1.json")
slow_isa=avx2  # scalar would differ more, but its probe takes over 7 minutes
configs="$fast_isa-t2 $slow_isa-t1"
echo "$configs" >"$R/configs.txt"
fast=$R/profile-$fast_isa-t2.json slow=$R/profile-$slow_isa-t1.json
echo "$WATCH_MINUTES" >"$R/watch_minutes.txt"
[ -e "$fast" ] || $E device probe --threads 2 --watch-minutes "$WATCH_MINUTES" --out "$fast" 2>/dev/null
[ -e "$slow" ] || $E device probe --isa "$slow_isa" --threads 1 --watch-minutes "$WATCH_MINUTES" --out "$slow" 2>/dev/null
budgets=$($E device compare "$fast" "$slow" --palette "$SIZES" --context 128 --json | python3 -c '
import json, sys
t = json.load(sys.stdin)["entries"]
a = sorted(e["devices"][0]["planned_decode_ms"] for e in t)
b = sorted(e["devices"][1]["planned_decode_ms"] for e in t)
# From just above the smallest entry on the configuration where it is slower to just above the largest
# entry on the one where it is slower (each prediction with the decode margin of its profile, as the palette
# plans): every budget is reachable on both.
lo, hi = max(a[0], b[0]) * 1.05, max(a[-1], b[-1]) * 1.05
print(" ".join("%.4g" % (lo * (hi / lo) ** (i / 3)) for i in range(4)))')
echo "latency budgets (ms/token at 128 tokens): $budgets"
for config in $configs; do
  profile=$fast; [ $config = "$slow_isa-t1" ] && profile=$slow
  [ -e "$R/palette-$config.h5" ] || $E palette --supernet "$SUPERNET" --data "$DATA" --device "$profile" --format fp32 \
    --context 128 --latency-ms $budgets --out "$R/palette-$config.h5" | tee "$R/palette-$config.log"
done
# Every entry under its own configuration, BUDGET_ROUNDS rounds of both palettes in turn: one bench
# per entry did not say whether an entry meets its budget on a machine whose speed drifts 1.2-1.9x
# within half an hour.
: >"$R/budgets.jsonl"
for round in $(seq "$BUDGET_ROUNDS"); do
  for config in $configs; do
    isa=${config%-t*} threads=${config#*-t}
    for entry in $($E inspect --json "$R/palette-$config.h5" | python3 -c 'import json,sys; print(" ".join(e["name"] for e in json.load(sys.stdin)["palette"]))'); do
      ELASTIQ_ISA=$isa $E bench --palette "$R/palette-$config.h5" --subnet "$entry" --threads "$threads" --no-torch \
        --prompt-tokens 64 --decode-tokens 64 --repeats 5 --json |
        sed "s/^{/{\"round\":$round,\"config\":\"$config\",/" >>"$R/budgets.jsonl"
    done
  done
done
for config in $configs; do
  profile=$fast; [ $config = "$slow_isa-t1" ] && profile=$slow
  $E device compare "$profile" --palette "$SIZES" --context 128 --json >"$R/sizes-on-$config.json"
done
# Every entry of the three palettes on the same validation tokens (the runtime in fp32).
: >"$R/evals.jsonl"
for palette in "$SIZES" $(for config in $configs; do echo "$R/palette-$config.h5"; done); do
  for entry in $($E inspect --json "$palette" | python3 -c 'import json,sys; print(" ".join(e["name"] for e in json.load(sys.stdin)["palette"]))'); do
    $E eval --model "$palette" --subnet "$entry" --data "$DATA" --engine runtime --max-tokens 65536 --json >>"$R/evals.jsonl"
  done
done
BUDGET_ROUNDS=$BUDGET_ROUNDS SUPERNET=$SUPERNET DATA=$DATA python3 experiments/device_palettes_report.py "$R" "$ROUNDS" "$budgets" "$SIZES"
