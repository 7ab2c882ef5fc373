#!/usr/bin/env bash
# The MLFS measurements of experiments/results/mlfs.md: a tiny-decoder teacher trained near
# convergence on the quickstart's data, an MLFS supernet and its palette vs the same shapes trained
# from scratch on as many tokens vs sliced untrained; sliced-init vs random-init training speed;
# gradient scaling (gamma) on the smallest subnet (shorter MLFS runs); the encoder's 1/4-size claim;
# wall time and tokens. Every step writes a log and a .done marker and resumes from its checkpoint,
# so a killed run continues where it stopped. Settings go to R/study.json for mlfs_report.py.
# Usage: experiments/mlfs_study.sh [OUT_DIR]   (needs runs/quickstart from scripts/quickstart.sh for
#        the data and tokenizer and, for the encoder, runs/spam + runs/spam-enc.h5 as in
#        experiments/results/encoder_teacher.md). ELASTIQ_BIN_DIR: where elastiq is (build/tools).
set -euo pipefail
cd "$(dirname "$0")/.."
R=${1:-runs/mlfs-converged}
Q=${ELASTIQ_QUICKSTART_DIR:-runs/quickstart}
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
TEACHER_STEPS=4000  # x 32 x 128 tokens, ~4.7 passes over the training split
MLFS_FLAGS=(--rank 32 --lora-alpha 64 --maxnet-kd 1 --lr 1e-3)  # the levers of results/log/mlfs.md, 2026-11-23 (commits 470cfe0..8006277)
STAGES=(100 1200 600)       # the palette's supernet: stage 0, 1, 2 steps of 16 x 128 tokens
GAMMA_STAGES=(100 300 300)  # the gamma sweep's shorter runs
MLFS_STEPS=$((STAGES[0] + STAGES[1] + STAGES[2]))
SCRATCH_STEPS=$((TEACHER_STEPS + MLFS_STEPS / 2))  # as many tokens as the teacher plus MLFS, in 32 x 128 batches
SLICED_STEPS=$((SCRATCH_STEPS / 3))                # a third of the from-scratch steps: the paper's claim
EVAL_TOKENS=65536   # validation tokens of the final comparisons (the split has 277,632)
mkdir -p "$R"
cat >"$R/study.json" <<JSON
{"teacher_steps": $TEACHER_STEPS, "stages": [${STAGES[0]}, ${STAGES[1]}, ${STAGES[2]}],
 "gamma_stages": [${GAMMA_STAGES[0]}, ${GAMMA_STAGES[1]}, ${GAMMA_STAGES[2]}], "mlfs_flags": "${MLFS_FLAGS[*]}",
 "scratch_steps": $SCRATCH_STEPS, "sliced_steps": $SLICED_STEPS, "eval_tokens": $EVAL_TOKENS}
JSON
stages() { echo --stage0-steps "$1" --stage1-steps "$2" --stage2-steps "$3"; }

source experiments/mlfs_lib.sh  # run, evaluate

# 1. The teacher, then the palette's MLFS supernet (gamma 1) and its palette.
run teacher "$R/teacher.h5" $E pretrain --config experiments/configs/tiny-decoder.json --data "$Q/data" \
  --tokenizer "$Q/tokenizer.model" --steps $TEACHER_STEPS --batch-size 32 --eval-every 250 --out "$R/teacher.h5"
T=$R/teacher.h5
run mlfs "$R/supernet.h5" $E mlfs --teacher "$T" --data "$Q/data" --out "$R/supernet.h5" $(stages "${STAGES[@]}") \
  "${MLFS_FLAGS[@]}" --eval-every 100 --log-every 50
run palette - $E palette --supernet "$R/supernet.h5" --data "$Q/data" --out "$R/palette.h5"
# Sliced untrained: the teacher rewired by importance (no MLFS steps).
run rewired - $E mlfs --teacher "$T" --data "$Q/data" --out "$R/rewired.h5" \
  --stage0-steps 0 --stage1-steps 0 --stage2-steps 0
evaluate teacher --model "$T" --data "$Q/data"
for s in p100 p67 p50 p25; do
  evaluate "mlfs-$s" --model "$R/palette.h5" --subnet $s --data "$Q/data"
  evaluate "rewired-$s" --model "$R/rewired.h5" --shape-from "$R/palette.h5" --subnet $s --data "$Q/data"
done
# 2. Each shape from scratch (random init, as many tokens) and from its rewired-teacher slice; p67 (the
# target's shape) first, p50 and p25 after the gamma sweep and the encoder (they take the longest).
shape_runs() {
  local s=$1
  run "scratch-$s" "$R/scratch-$s.h5" $E pretrain --shape-from "$R/palette.h5" --subnet $s --data "$Q/data" \
    --tokenizer "$Q/tokenizer.model" --steps $SCRATCH_STEPS --batch-size 32 --eval-every 150 --eval-tokens 32768 \
    --log-every 50 --out "$R/scratch-$s.h5"
  run "sliced-$s" "$R/sliced-$s.h5" $E pretrain --shape-from "$R/palette.h5" --subnet $s --init-from "$R/rewired.h5" \
    --data "$Q/data" --tokenizer "$Q/tokenizer.model" --steps $SLICED_STEPS --batch-size 32 --eval-every 50 \
    --eval-tokens 32768 --log-every 50 --out "$R/sliced-$s.h5"
  evaluate "scratch-$s" --model "$R/scratch-$s.h5" --data "$Q/data"
  evaluate "sliced-$s" --model "$R/sliced-$s.h5" --data "$Q/data"
}
shape_runs p67
# 3. Gradient scaling: gamma 0 (off), 0.5, 1, 2 on shorter runs.
for g in 0 0.5 1 2; do
  run "mlfs-g$g" "$R/supernet-g$g.h5" $E mlfs --teacher "$T" --data "$Q/data" --out "$R/supernet-g$g.h5" \
    $(stages "${GAMMA_STAGES[@]}") "${MLFS_FLAGS[@]}" --gamma "$g" --eval-every 50 --log-every 50
done
# 4. Encoder (spam): MLFS on the fine-tuned spam teacher, palette down to 1/4 of the non-embedding
# parameters and below, test accuracy of each entry.
if [ -e runs/spam-enc.h5 ]; then
  run enc-mlfs "$R/enc-supernet.h5" $E mlfs --teacher runs/spam-enc.h5 --data runs/spam --out "$R/enc-supernet.h5" \
    --stage0-steps 100 --stage1-steps 200 --stage2-steps 200 --eval-every 50 --log-every 50
  run enc-palette - $E palette --supernet "$R/enc-supernet.h5" --data runs/spam --out "$R/enc-palette.h5" \
    --sizes 1 0.6 0.45 0.3
  evaluate enc-teacher --model runs/spam-enc.h5 --data runs/spam --split test
  for s in p100 p60 p45 p30; do
    evaluate "enc-mlfs-$s" --model "$R/enc-palette.h5" --subnet $s --data runs/spam --split test
    evaluate "enc-raw-$s" --model runs/spam-enc.h5 --shape-from "$R/enc-palette.h5" --subnet $s --data runs/spam --split test
  done
fi
for s in p50 p25; do shape_runs $s; done
ELASTIQ_BIN_DIR=$(dirname "$E") python3 experiments/mlfs_report.py "$R"
