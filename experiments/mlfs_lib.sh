# Shared by the MLFS experiment scripts (sourced; they set R, the output folder, E, the elastiq binary, and
# EVAL_TOKENS): run a training step once, resuming it if killed, evaluate into R/evals.jsonl once, and
# variant, one --train-base MLFS run with extra flags, evaluated at a palette's shapes.

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
# variant NAME ENTRIES STAGE1 STAGE2 MLFS_FLAGS...: the --train-base MLFS of mlfs_train_base.sh's 1x run (rank 32,
# --maxnet-kd 1, lr 1e-3; stages 100 + STAGE1 + STAGE2 steps) with MLFS_FLAGS into OUT/NAME, evaluated at SHAPES'
# ENTRIES (space-separated). Also needs OUT, S (the folder of teacher.h5) and Q (the quickstart's, for its data).
variant() {
  local name=$1 entries=$2 stage1=$3 stage2=$4; shift 4
  R=$OUT/$name
  mkdir -p "$R"
  run mlfs "$R/supernet.h5" $E mlfs --teacher $S/teacher.h5 --data $Q/data --out "$R/supernet.h5" --stage0-steps 100 \
    --stage1-steps $stage1 --stage2-steps $stage2 --rank 32 --lora-alpha 64 --maxnet-kd 1 --lr 1e-3 --train-base \
    --eval-every 100 --log-every 50 "$@"
  for s in $entries; do evaluate "$name-$s" --model "$R/supernet.h5" --shape-from "$SHAPES" --subnet $s --data $Q/data; done
}
