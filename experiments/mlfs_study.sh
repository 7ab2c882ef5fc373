#!/usr/bin/env bash
# The MLFS measurements of experiments/results/mlfs.md, on the quickstart teacher and the spam
# encoder: the palette vs the same shapes trained from scratch on as many tokens vs sliced
# untrained; sliced-init vs random-init training speed; gradient scaling (gamma) on the smallest
# subnet; the encoder's 1/4-size claim; wall time and tokens. Every step writes a log and a .done
# marker and resumes from its checkpoint, so a killed run continues where it stopped.
# Usage: experiments/mlfs_study.sh [OUT_DIR]   (needs runs/quickstart from scripts/quickstart.sh and,
#        for the encoder, runs/spam + runs/spam-enc.h5 as in experiments/results/encoder_teacher.md)
set -euo pipefail
cd "$(dirname "$0")/.."
R=${1:-runs/mlfs-study}
Q=${ELASTIQ_QUICKSTART_DIR:-runs/quickstart}
E=build/tools/elastiq
STAGES=(--stage0-steps 100 --stage1-steps 300 --stage2-steps 300)  # 700 steps x 16 x 128 tokens
SCRATCH_STEPS=1350  # (teacher 1000 x 32 x 128 + MLFS 700 x 16 x 128 tokens) / (32 x 128)
SLICED_STEPS=450    # a third of the from-scratch steps: the paper's claim
EVAL_TOKENS=65536   # validation tokens of the final comparisons (the split has 277,632)
mkdir -p "$R"

# run NAME OUT CMD...: runs CMD once (log R/NAME.log, wall seconds appended to R/NAME.seconds);
# a training command whose OUT exists without a .done marker gets --resume.
run() {
  local name=$1 out=$2; shift 2
  [ -e "$R/$name.done" ] && { echo "done already: $name"; return; }
  local extra=()
  [ "$out" != - ] && [ -e "$out" ] && extra=(--resume)
  echo "== $name: $* ${extra[*]}"
  local t0; t0=$(date +%s.%N)
  "$@" "${extra[@]}" >>"$R/$name.log" 2>&1
  echo "$(date +%s.%N) - $t0" | bc >>"$R/$name.seconds"
  touch "$R/$name.done"
}
# evaluate NAME ARGS...: one JSON line of `elastiq eval` into R/evals.jsonl, tagged with NAME (the runtime
# in fp32: equal to LibTorch within 1e-4, tested, and much faster on a shared 2-core machine).
evaluate() {
  local name=$1; shift
  grep -q "\"tag\": \"$name\"" "$R/evals.jsonl" 2>/dev/null && return
  echo "{\"tag\": \"$name\", \"result\": $($E eval --json --engine runtime --max-tokens "$EVAL_TOKENS" "$@")}" >>"$R/evals.jsonl"
}

# 1. MLFS with gamma 0 (off), 0.5, 1 (default), 2; palette from the default run.
for g in 1 0 0.5 2; do
  run "mlfs-g$g" "$R/supernet-g$g.h5" $E mlfs --teacher "$Q/teacher.h5" --data "$Q/data" --out "$R/supernet-g$g.h5" \
    "${STAGES[@]}" --gamma "$g" --eval-every 50 --log-every 50
done
run palette - $E palette --supernet "$R/supernet-g1.h5" --data "$Q/data" --out "$R/palette.h5"
# 2. Sliced untrained: the teacher rewired by importance (no MLFS steps).
run rewired - $E mlfs --teacher "$Q/teacher.h5" --data "$Q/data" --out "$R/rewired.h5" \
  --stage0-steps 0 --stage1-steps 0 --stage2-steps 0
# 3. Each shape from scratch (random init, as many tokens) and from its rewired-teacher slice.
for s in p67 p50 p25; do
  run "scratch-$s" "$R/scratch-$s.h5" $E pretrain --shape-from "$R/palette.h5" --subnet $s --data "$Q/data" \
    --tokenizer "$Q/tokenizer.model" --steps $SCRATCH_STEPS --batch-size 32 --eval-every 50 --eval-tokens 32768 \
    --log-every 50 --out "$R/scratch-$s.h5"
  run "sliced-$s" "$R/sliced-$s.h5" $E pretrain --shape-from "$R/palette.h5" --subnet $s --init-from "$R/rewired.h5" \
    --data "$Q/data" --tokenizer "$Q/tokenizer.model" --steps $SLICED_STEPS --batch-size 32 --eval-every 25 \
    --eval-tokens 32768 --log-every 50 --out "$R/sliced-$s.h5"
done
# 4. Full validation split for every shape and variant.
evaluate teacher --model "$Q/teacher.h5" --data "$Q/data"
for s in p100 p67 p50 p25; do
  evaluate "mlfs-$s" --model "$R/palette.h5" --subnet $s --data "$Q/data"
  evaluate "rewired-$s" --model "$R/rewired.h5" --shape-from "$R/palette.h5" --subnet $s --data "$Q/data"
  [ $s = p100 ] && continue
  evaluate "scratch-$s" --model "$R/scratch-$s.h5" --data "$Q/data"
  evaluate "sliced-$s" --model "$R/sliced-$s.h5" --data "$Q/data"
done
# 5. Encoder (spam): MLFS on the fine-tuned spam teacher, palette down to 1/4 of the non-embedding
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
python3 experiments/mlfs_report.py "$R"
