# Shared by the MLFS experiment scripts (sourced; they set R, the output folder, E, the elastiq binary, and
# EVAL_TOKENS): run a training step once, resuming it if killed, and evaluate into R/evals.jsonl once.

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
