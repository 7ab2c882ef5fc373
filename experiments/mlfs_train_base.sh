#!/usr/bin/env bash
# MLFS with the base weights trained too (`--train-base`) against the frozen-W0 MLFS of mlfs_study.sh, on the
# same converged teacher, stages, flags and palette shapes: is the adapters' capacity what keeps p67 far from the
# teacher while the same shape trained from scratch reaches it (docs/METHODS.md, MLFS)? Evaluates the supernet at the study
# palette's shapes (p100, p67, p50, p25) on 65,536 validation tokens with the runtime, into R/evals.jsonl, runs
# its own palette search, then trains p67 from this supernet's slice for the study's sliced-init steps (1/3 of the
# from-scratch run's) and evaluates it the same way. Resumes (`--resume`) if killed.
# Usage: [STAGE1=N STAGE2=N LR=X SHAPES=P.h5 MLFS_EXTRA="FLAGS" SLICED=0] experiments/mlfs_train_base.sh [OUT_DIR]
#        Needs runs/quickstart and runs/mlfs-converged from mlfs_study.sh. Defaults: stages 1200 + 600 steps at lr
#        1e-3, as the study's MLFS. SHAPES: the palette whose p100/p67/p50/p25 shapes are evaluated (default the
#        study's; OUT_DIR/palette.h5, the run's own, needs no study MLFS run). MLFS_EXTRA: more mlfs flags, e.g.
#        "--base-lr-scale 0.3". SLICED=0 skips the sliced-init run.
set -euo pipefail
cd "$(dirname "$0")/.."
R=${1:-runs/mlfs-train-base}
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
STAGE1=${STAGE1:-1200} STAGE2=${STAGE2:-600} LR=${LR:-1e-3} SLICED=${SLICED:-1}
read -r -a MLFS_EXTRA <<<"${MLFS_EXTRA:-}"
Q=runs/quickstart S=runs/mlfs-converged
SHAPES=${SHAPES:-$S/palette.h5}
EVAL_TOKENS=65536
source experiments/mlfs_lib.sh  # run, evaluate
mkdir -p "$R"
run mlfs "$R/supernet.h5" $E mlfs --teacher $S/teacher.h5 --data $Q/data --out "$R/supernet.h5" --stage0-steps 100 \
  --stage1-steps $STAGE1 --stage2-steps $STAGE2 --rank 32 --lora-alpha 64 --maxnet-kd 1 --lr $LR --train-base \
  --eval-every 100 --log-every 50 "${MLFS_EXTRA[@]}"
[ -e "$R/palette.h5" ] || $E palette --supernet "$R/supernet.h5" --data $Q/data --out "$R/palette.h5" >"$R/palette.log" 2>&1
for s in p100 p67 p50 p25; do
  evaluate "train-base-$s" --model "$R/supernet.h5" --shape-from "$SHAPES" --subnet $s --data $Q/data
done
[ "$SLICED" = 0 ] && exit 0
run sliced-p67 "$R/sliced-p67.h5" $E pretrain --shape-from "$SHAPES" --subnet p67 --init-from "$R/supernet.h5" \
  --data $Q/data --tokenizer $Q/tokenizer.model --steps 1650 --batch-size 32 --eval-every 50 --eval-tokens 32768 \
  --log-every 50 --out "$R/sliced-p67.h5"
evaluate sliced-p67 --model "$R/sliced-p67.h5" --data $Q/data
