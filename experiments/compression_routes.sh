#!/usr/bin/env bash
# Every compression route at equal compute (experiments/results/compression_routes.md): on one
# converged tiny-decoder teacher and the MLFS palette's shapes p67, p50, p25,
#   (a) mlfs:    the MLFS palette (one supernet, every size at once, switchable at run time),
#   (b) distill: prune-and-distill per size (`elastiq distill`, rewired slice, KL to the teacher),
#   (c) sliced:  the rewired teacher's slice trained on the task loss alone,
#   (d) scratch: the shape from random weights on the task loss,
# each at budgets f x C, f in 1/8 1/4 1/2 1, C = the MLFS palette's training FLOPs (the compute
# meter's, teacher forwards included; the teacher's own pretraining, shared by a-c, is not). For
# (b)-(d) f x C is what the three separate models of p67, p50 and p25 get together (f x C / 3
# each): the budget at which they replace one palette. Each budget is a separate run with its own
# warm-up + cosine schedule; (a) runs MLFS with every stage scaled by f. Cheapest budgets first, so
# a partial run already compares every route. Every step resumes from its checkpoint (mlfs_lib.sh).
# Usage: experiments/compression_routes.sh [OUT_DIR]   (ELASTIQ_QUICKSTART_DIR: the data and
#        tokenizer, default runs/quickstart; THREADS: per run, default 1 so a run survives a busy core;
#        FRACTIONS, SIZES: the budgets and sizes this invocation runs, so lanes can share the outputs
#        folder; a run another lane is writing stops this lane with the output lock's error)
set -euo pipefail
cd "$(dirname "$0")/.."
source experiments/compression_routes_lib.sh  # R Q E THREADS, the MLFS settings, mlfs_run, run, evaluate
TEACHER_STEPS=4000                                     # as experiments/mlfs_study.sh: x 32 x 128 tokens
BATCH=32                                               # x 128 tokens: the per-size routes' batch
PALETTE_SIZES=(p67 p50 p25)                            # the budget is shared by these three models
SIZES=(${SIZES:-${PALETTE_SIZES[*]}})                  # SIZES="p25" FRACTIONS="1": a lane for one size
FRACTIONS=(${FRACTIONS:-0.125 0.25 0.5 1})                # FRACTIONS="0.5" in a second lane: budgets split over cores
REWIRE=4                                               # distill's calibration batches (its rewiring)
json() { $E inspect --json "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }

# The teacher, the palette's MLFS supernet and palette (f = 1), and the rewired teacher (route c's start).
run teacher "$R/teacher.h5" $E pretrain --config experiments/configs/tiny-decoder.json "${common[@]}" \
  --tokenizer "$Q/tokenizer.model" --steps $TEACHER_STEPS --batch-size 32 --eval-every 250 --out "$R/teacher.h5"
mlfs_run 1 1
P=$R/palette-1.h5
run rewired - $E mlfs --teacher "$T" --data "$Q/data" --out "$R/rewired.h5" \
  --stage0-steps 0 --stage1-steps 0 --stage2-steps 0
C=$(json "$R/supernet-1.h5" "d['palette'][0]['metrics']['train_flops']")
echo "C = $C FLOPs (the MLFS palette's training compute)"
evaluate teacher --model "$T" --data "$Q/data"

# Steps that spend BUDGET FLOPs at FORWARDS_PER_SEQUENCE x one sequence's forward per sequence.
steps_for() { python3 -c "print(max(1, int($1 / ($BATCH * $2))))"; }
for f in "${FRACTIONS[@]}"; do
  tag=$(python3 -c "print('%g' % $f)")
  [ "$tag" = 1 ] || mlfs_run "$tag" "$f"
  for s in "${SIZES[@]}"; do evaluate "mlfs-$tag-$s" --model "$R/palette-$tag.h5" --subnet "$s" --data "$Q/data"; done
  budget=$(python3 -c "print($f * $C / ${#PALETTE_SIZES[@]})")
  teacher_forward=$(json "$T" "d['palette'][0]['forward_flops_per_sequence']")
  for s in "${SIZES[@]}"; do
    student=$(json "$P" "[e for e in d['palette'] if e['name'] == '$s'][0]['forward_flops_per_sequence']")
    train_steps=$(steps_for "$budget" "(3 * $student)")
    # distill spends its rewiring's calibration batches (3 forwards each) out of the same budget.
    distill_steps=$(steps_for "($budget - $REWIRE * $BATCH * 3 * $teacher_forward)" "(3 * $student + $teacher_forward)")
    run "distill-$tag-$s" "$R/distill-$tag-$s.h5" $E distill --teacher "$T" --shape-from "$P" --subnet "$s" \
      "${common[@]}" --rewire-batches $REWIRE --steps "$distill_steps" --batch-size $BATCH --log-every 50 \
      --out "$R/distill-$tag-$s.h5"
    run "sliced-$tag-$s" "$R/sliced-$tag-$s.h5" $E pretrain --shape-from "$P" --subnet "$s" --init-from "$R/rewired.h5" \
      "${common[@]}" --tokenizer "$Q/tokenizer.model" --steps "$train_steps" --batch-size $BATCH --log-every 50 \
      --out "$R/sliced-$tag-$s.h5"
    run "scratch-$tag-$s" "$R/scratch-$tag-$s.h5" $E pretrain --shape-from "$P" --subnet "$s" "${common[@]}" \
      --tokenizer "$Q/tokenizer.model" --steps "$train_steps" --batch-size $BATCH --log-every 50 \
      --out "$R/scratch-$tag-$s.h5"
    for route in distill sliced scratch; do evaluate "$route-$tag-$s" --model "$R/$route-$tag-$s.h5" --data "$Q/data"; done
  done
done
ELASTIQ_BIN_DIR=$(dirname "$E") python3 experiments/compression_routes_report.py "$R"
