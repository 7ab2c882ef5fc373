#!/usr/bin/env bash
# A/B decode speed of two elastiq builds on the same model, formats and threads, interleaved
# (A, B, A, B, ...) so both see the same machine state; prints a markdown table of medians and the
# B/A ratio. Only tokens/s is compared: the roofline fraction depends on each build's bandwidth probe.
# Usage: experiments/ab_decode.sh A_ELASTIQ B_ELASTIQ MODEL.h5 [ROUNDS] [FORMATS] [THREADS]
#   e.g. experiments/ab_decode.sh /tmp/old/elastiq build/tools/elastiq runs/bench/mobilellm-125m.h5 5 "w8a8 ternary" "1 2"
# BENCH_ARGS adds bench flags to both sides, A_ARGS / B_ARGS to one: the same build can be its own
# A and B, e.g. A_ARGS="--kv-cache f32" B_ARGS="--kv-cache f16" BENCH_ARGS="--prompt-tokens 1984".
set -euo pipefail
A=$1 B=$2 MODEL=$3 ROUNDS=${4:-5} FORMATS=${5:-"fp32 w8a8 ternary"} THREADS=${6:-"1 2"}
BENCH_ARGS=${BENCH_ARGS:-} A_ARGS=${A_ARGS:-} B_ARGS=${B_ARGS:-}
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
for r in $(seq "$ROUNDS"); do
  for f in $FORMATS; do
    for t in $THREADS; do
      for side in A B; do
        bin=$A side_args=$A_ARGS
        [ $side = B ] && bin=$B side_args=$B_ARGS
        # shellcheck disable=SC2086  # the extra flags are word lists
        tps=$("$bin" bench --palette "$MODEL" --format "$f" --threads "$t" --no-torch --json $BENCH_ARGS $side_args |
              python3 -c 'import json,sys; print(json.load(sys.stdin)["decode_tokens_per_s"])')
        echo "$side $f $t $tps" >>"$raw"
        echo "round $r: $side $f $t threads: $tps tokens/s" >&2
      done
    done
  done
done
python3 - "$raw" "$ROUNDS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print(f"| format | threads | A decode tok/s | B decode tok/s | B / A |  (medians of {sys.argv[2]} interleaved rounds)")
print("|---|---|---|---|---|")
for f in dict.fromkeys(r[1] for r in rows):
    for t in dict.fromkeys(r[2] for r in rows if r[1] == f):
        a = statistics.median(float(r[3]) for r in rows if r[0] == "A" and r[1] == f and r[2] == t)
        b = statistics.median(float(r[3]) for r in rows if r[0] == "B" and r[1] == f and r[2] == t)
        print(f"| {f} | {t} | {a:.1f} | {b:.1f} | {b / a:.2f}x |")
PY
