#!/usr/bin/env bash
# Ternary QAT at the end of the routes study (compression_routes.sh): per size, the f = 1 model of
# the route with the best fp32 validation perplexity, and the MLFS palette (f = 1; its entries share
# one packed copy, so one QAT run trains p67, p50 and p25 together), each quantized to ternary with
# QAT_STEPS of QAT and evaluated by the runtime in ternary. Evaluations go into the study's
# evals.jsonl as ternary-<route>-<size> (QAT_STEPS other than 300: ternary<QAT_STEPS>-<route>-<size>;
# PALETTE_QAT=0 skips the palette); compression_routes_report.py reads them. A size whose f = 1 runs
# are not all evaluated yet is skipped (run again later). Resumable.
#   ELASTIQ_BIN_DIR=... ELASTIQ_QUICKSTART_DIR=... [QAT_STEPS=N PALETTE_QAT=0] experiments/compression_routes_ternary.sh [R]
set -euo pipefail
cd "$(dirname "$0")/.."
source experiments/compression_routes_lib.sh  # R Q E THREADS, run, evaluate
QAT_STEPS=${QAT_STEPS:-300}  # batch 16 x 128, the quantize defaults otherwise (lr 5e-4, KL to the fp32 self)
PALETTE_QAT=${PALETTE_QAT:-1}  # 0: the separate models only
T=ternary                      # runs, files and tags; another QAT_STEPS gets its own: ternary1200-...
[ "$QAT_STEPS" = 300 ] || T=ternary$QAT_STEPS
qat=(--format ternary --qat-steps "$QAT_STEPS" "${common[@]}" --log-every 50)

# best_route SIZE: the route whose f = 1 model of SIZE has the lowest fp32 perplexity (empty until all are in).
best_route() {
  python3 - "$R/evals.jsonl" "$1" <<'EOF'
import json, sys
ev = {json.loads(l)["tag"]: json.loads(l)["result"] for l in open(sys.argv[1])}
tags = {route: f"{route}-1-{sys.argv[2]}" for route in ("distill", "sliced", "scratch")}
if all(t in ev for t in tags.values()):
    print(min(tags, key=lambda route: ev[tags[route]]["perplexity"]))
EOF
}

if [ "$PALETTE_QAT" = 1 ]; then
  run $T-palette "$R/$T-palette-1.h5" $E quantize --in "$R/palette-1.h5" --subnets p67,p50,p25 "${qat[@]}" \
    --out "$R/$T-palette-1.h5"
fi
for s in p67 p50 p25; do
  [ "$PALETTE_QAT" = 1 ] && evaluate "$T-mlfs-$s" --model "$R/$T-palette-1.h5" --subnet "$s" --format ternary --data "$Q/data"
  route=$(best_route "$s")
  [ -n "$route" ] || { echo "$s: the f = 1 runs are not all evaluated yet; skipped"; continue; }
  run "$T-$route-$s" "$R/$T-$route-1-$s.h5" $E quantize --in "$R/$route-1-$s.h5" "${qat[@]}" --out "$R/$T-$route-1-$s.h5"
  evaluate "$T-$route-$s" --model "$R/$T-$route-1-$s.h5" --format ternary --data "$Q/data"
done
