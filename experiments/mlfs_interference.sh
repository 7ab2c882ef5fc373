#!/usr/bin/env bash
# What keeps p67 of the weight-shared supernet from the teacher (its +5% target, docs/METHODS.md, MLFS)? The same
# `--train-base` MLFS as mlfs_train_base.sh's 1x run with one change each — gradient scaling off
# (gamma 0); a space of full hidden width only; a space holding just the maxnet and p67 (two subnets per
# step); and exactly the palette's shapes every step (`--sample-palette`, gamma 0; also with twice the
# steps, and at gamma 1). Evaluates p100 and p67 (all four entries where the space has them) at the
# palette's shapes on 65,536 validation tokens into OUT_DIR/<run>/evals.jsonl. Resumes if killed.
# Usage: [SHAPES=P.h5] experiments/mlfs_interference.sh [OUT_DIR]
#        Needs runs/quickstart and runs/mlfs-converged/teacher.h5 (mlfs_study.sh step 1). SHAPES: the palette
#        whose p100/p67/p50/p25 shapes are trained and evaluated (default: the 2x --train-base run's).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/mlfs-interference}
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
SHAPES=${SHAPES:-runs/mlfs-train-base-long/palette.h5}
Q=runs/quickstart S=runs/mlfs-converged
EVAL_TOKENS=65536
source experiments/mlfs_lib.sh  # run, evaluate, variant
mkdir -p "$OUT"
echo '{"d_model": [128]}' >"$OUT/space-full-width.json"
echo '{"d_model": [128], "ffn_dim": [192, 384], "n_kv_heads": [1, 2], "depth": [6]}' >"$OUT/space-p67-only.json"

ALL="p100 p67 p50 p25"
variant gamma0 "$ALL" 1200 600 --gamma 0
variant full-width "p100 p67" 1200 600 --space "$OUT/space-full-width.json"
variant p67-only "p100 p67" 1200 600 --space "$OUT/space-p67-only.json" --subnets-per-step 2 --gamma 0
variant exact "$ALL" 1200 600 --sample-palette "$SHAPES" --subnets-per-step 5 --gamma 0
variant exact-2x "$ALL" 2400 1200 --sample-palette "$SHAPES" --subnets-per-step 5 --gamma 0
variant exact-gamma1 "$ALL" 1200 600 --sample-palette "$SHAPES" --subnets-per-step 5  # gamma 1, the default
