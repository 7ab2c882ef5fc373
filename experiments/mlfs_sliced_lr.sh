#!/usr/bin/env bash
# Sliced initialisation's fine-tuning learning rate (the 1/3-steps target, docs/METHODS.md, MLFS): p67 trained for 1/3 of the
# from-scratch steps from a slice of the rewired teacher and of the --train-base supernet, at peak learning rates
# below the from-scratch run's 3e-3 (which lifts the slice's validation perplexity from 82.6 to 89 in its warm-up).
# Each run's validation loss on the training's 32,768-token subset is compared with the from-scratch final in
# experiments/results/mlfs.md; each is evaluated on 65,536 tokens with the runtime into R/evals.jsonl.
# Usage: experiments/mlfs_sliced_lr.sh [OUT_DIR]  (needs runs/mlfs-converged from mlfs_study.sh and
#        runs/mlfs-train-base from mlfs_train_base.sh). Resumes (`--resume`) if killed.
set -euo pipefail
cd "$(dirname "$0")/.."
R=${1:-runs/mlfs-sliced-lr}
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
Q=runs/quickstart S=runs/mlfs-converged
EVAL_TOKENS=65536
source experiments/mlfs_lib.sh  # run, evaluate
mkdir -p "$R"
for init in train-base:runs/mlfs-train-base/supernet.h5 rewired:$S/rewired.h5; do
  for lr in ${LRS:-1e-3 3e-4}; do
    tag="sliced-p67-${init%%:*}-lr$lr"
    run "$tag" "$R/$tag.h5" $E pretrain --shape-from $S/palette.h5 --subnet p67 --init-from "${init#*:}" \
      --data $Q/data --tokenizer $Q/tokenizer.model --steps 1650 --batch-size 32 --lr "$lr" --eval-every 50 \
      --eval-tokens 32768 --log-every 50 --out "$R/$tag.h5"
    evaluate "$tag" --model "$R/$tag.h5" --data $Q/data
  done
done
