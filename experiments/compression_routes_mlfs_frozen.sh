#!/usr/bin/env bash
# The one MLFS change the routes study suggests, measured the same way: the study's f = 1 MLFS
# palette (same teacher, flags and stages as compression_routes.sh) with --subnet-teacher frozen, so
# the smaller subnets distil from the frozen stage-0 teacher as prune + distill does, instead of the
# moving maxnet. Resumable; evaluations go into the study's evals.jsonl as mlfs_frozen-1-<size>.
#   ELASTIQ_BIN_DIR=... ELASTIQ_QUICKSTART_DIR=... experiments/compression_routes_mlfs_frozen.sh [R (runs/routes)]
set -euo pipefail
cd "$(dirname "$0")/.."
R=${1:-runs/routes}
Q=${ELASTIQ_QUICKSTART_DIR:-runs/quickstart}
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
THREADS=${THREADS:-1}
EVAL_TOKENS=65536
source experiments/mlfs_lib.sh  # run, evaluate
[ -e "$R/teacher.done" ] || { echo "no teacher in $R: run experiments/compression_routes.sh first" >&2; exit 2; }
run mlfs_frozen-1 "$R/supernet-frozen-1.h5" $E mlfs --teacher "$R/teacher.h5" --data "$Q/data" --threads "$THREADS" \
  --out "$R/supernet-frozen-1.h5" --stage0-steps 100 --stage1-steps 1200 --stage2-steps 600 \
  --rank 32 --lora-alpha 64 --maxnet-kd 1 --lr 1e-3 --subnet-teacher frozen --log-every 50
run palette_frozen-1 - $E palette --supernet "$R/supernet-frozen-1.h5" --data "$Q/data" --threads "$THREADS" \
  --out "$R/palette-frozen-1.h5"
for s in p67 p50 p25; do
  evaluate "mlfs_frozen-1-$s" --model "$R/palette-frozen-1.h5" --subnet "$s" --data "$Q/data"
done
