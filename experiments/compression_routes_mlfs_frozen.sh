#!/usr/bin/env bash
# The one MLFS change the routes study suggests, measured the same way: the study's f = 1 MLFS
# palette (same teacher, settings and mlfs_run as compression_routes.sh) with --subnet-teacher
# frozen, so the smaller subnets distil from the frozen stage-0 teacher as prune + distill does,
# instead of the moving maxnet. Resumable; evaluations go into the study's evals.jsonl as
# mlfs_frozen-1-<size>.
#   ELASTIQ_BIN_DIR=... ELASTIQ_QUICKSTART_DIR=... experiments/compression_routes_mlfs_frozen.sh [R (runs/routes)]
set -euo pipefail
cd "$(dirname "$0")/.."
source experiments/compression_routes_lib.sh  # R Q E THREADS, the MLFS settings, mlfs_run, run, evaluate
[ -e "$R/teacher.done" ] || { echo "no teacher in $R: run experiments/compression_routes.sh first" >&2; exit 2; }
mlfs_run frozen-1 1 --subnet-teacher frozen
for s in p67 p50 p25; do
  # --head: the study's binaries score the split's first tokens; newer ones default to a spread sample.
  evaluate "mlfs_frozen-1-$s" --model "$R/palette-frozen-1.h5" --subnet "$s" --data "$Q/data" --head
done
