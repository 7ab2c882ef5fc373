#!/usr/bin/env bash
# Gradient scaling below 0 (for the +5% target of p67, docs/METHODS.md, MLFS): the runs of 2026-11-28 (commits
# 4aca831..078b2c6, experiments/results/log/mlfs.md) found gamma 0 better than gamma 1 for every palette
# entry but the smallest, and the other subnets costing p67 most. This trains the palette's shapes every step
# (`--sample-palette`, shapes picked on the rewired teacher before any training) at gamma 0, -1 and -2 (the smaller
# subnets weigh (n_j / n_maxnet)^|gamma|), side by side: three single-thread runs at once, the 1x --train-base
# MLFS of mlfs_train_base.sh otherwise. Evaluates every entry on 65,536 validation tokens into
# OUT_DIR/<run>/evals.jsonl (the teacher into OUT_DIR/evals.jsonl). Resumes if killed.
# Usage: experiments/mlfs_favour_large.sh [OUT_DIR]
#        Needs runs/quickstart (data) and runs/mlfs-converged/teacher.h5 (mlfs_study.sh step 1).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/mlfs-favour-large}
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
Q=runs/quickstart S=runs/mlfs-converged
EVAL_TOKENS=65536
source experiments/mlfs_lib.sh  # run, evaluate, variant
mkdir -p "$OUT"
R=$OUT
# The shapes, known before training: the palette search on the teacher rewired by importance (no MLFS steps).
run rewired - $E mlfs --teacher $S/teacher.h5 --data $Q/data --out "$OUT/rewired.h5" \
  --stage0-steps 0 --stage1-steps 0 --stage2-steps 0
run shapes - $E palette --supernet "$OUT/rewired.h5" --data $Q/data --out "$OUT/shapes.h5"
SHAPES=$OUT/shapes.h5
evaluate teacher --model $S/teacher.h5 --data $Q/data
pids=()
for g in 0 -1 -2; do
  variant "gamma$g" "p100 p67 p50 p25" 1200 600 --sample-palette "$SHAPES" --subnets-per-step 5 --gamma "$g" \
    --threads 1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done  # each run's failure fails the script
