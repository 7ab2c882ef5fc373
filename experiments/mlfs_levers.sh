#!/usr/bin/env bash
# Which MLFS lever moves the 2/3-size subnet toward the teacher (its +5% target, docs/METHODS.md, MLFS)? Short
# MLFS runs on the quickstart
# teacher that each change one thing against the mlfs-study baseline (rank 8, alpha 16, lr 2e-3, 100 + 300 + 300
# steps), then a long run with the levers that helped; each supernet is evaluated at the mlfs-study palette's
# shapes (p100, p67, p50, p25) on 65,536 validation tokens with the runtime. Also p67 trained from a slice (the
# rewired teacher's at a lower peak LR, the MLFS supernet's at two) and `--sample-sizes`. One thread each;
# every run resumes (`--resume`) if killed. Results: R/evals.txt (one JSON per line).
# Usage: experiments/mlfs_levers.sh [OUT_DIR]   (needs runs/quickstart, and runs/mlfs-study from mlfs_study.sh as of c1e8537)
set -euo pipefail
cd "$(dirname "$0")/.."
R=${1:-runs/mlfs-pilot}
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
Q=runs/quickstart S=runs/mlfs-study
mkdir -p "$R"
# lever NAME STAGE0 STAGE1 STAGE2 FLAGS...: one MLFS run, then its evaluations.
lever() {
  local name=$1 s0=$2 s1=$3 s2=$4; shift 4
  [ -e "$R/$name.done" ] && return
  local extra=(); [ -e "$R/$name.h5" ] && extra=(--resume)
  $E mlfs --teacher $Q/teacher.h5 --data $Q/data --out "$R/$name.h5" --stage0-steps "$s0" --stage1-steps "$s1" \
    --stage2-steps "$s2" --eval-every 100 --log-every 50 --threads 1 "$@" "${extra[@]}" >>"$R/$name.log" 2>&1
  for s in p100 p67 p50 p25; do
    echo "$name $s $($E eval --json --engine runtime --max-tokens 65536 --model "$R/$name.h5" --shape-from $S/palette.h5 \
      --subnet $s --data $Q/data --threads 1)" >>"$R/evals.txt"
  done
  touch "$R/$name.done"
}
lever r32 100 300 300 --rank 32 --lora-alpha 64
lever r32-mkd 100 300 300 --rank 32 --lora-alpha 64 --maxnet-kd 1
lever r32-mkd-task 100 300 300 --rank 32 --lora-alpha 64 --maxnet-kd 1 --subnet-task 0.5
# sliced NAME INIT LR: p67 trained for 450 steps (1/3 of from scratch) from INIT's slice at peak LR.
sliced() {
  local name=$1 init=$2 lr=$3
  [ -e "$R/$name.done" ] && return
  $E pretrain --shape-from $S/palette.h5 --subnet p67 --init-from "$init" --data $Q/data --tokenizer $Q/tokenizer.model \
    --steps 450 --batch-size 32 --eval-every 25 --eval-tokens 32768 --log-every 50 --lr "$lr" --threads 1 \
    --out "$R/$name.h5" >>"$R/$name.log" 2>&1
  touch "$R/$name.done"
}
sliced sliced-p67-lr1e-3 $S/rewired.h5 1e-3
lever long-r32-mkd 100 1200 600 --rank 32 --lora-alpha 64 --maxnet-kd 1 --lr 1e-3
# Random subnets drawn among the palette's candidates for its sizes instead of uniformly (added in 9d1baad).
lever r32-mkd-sizes 100 300 300 --rank 32 --lora-alpha 64 --maxnet-kd 1 --sample-sizes 0.67 0.5 0.25
# The MLFS supernet's p67 slice (adapters merged) as the start instead of the rewired teacher's.
sliced sliced-mlfs-p67 "$R/r32-mkd.h5" 3e-3
sliced sliced-mlfs-p67-lr1e-3 "$R/r32-mkd.h5" 1e-3
