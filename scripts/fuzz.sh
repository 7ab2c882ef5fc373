#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz (clang, ASan + UBSan, LibTorch off) in build-fuzz/
# and runs each for a bounded time on its committed seeds plus the corpus earlier runs grew.
#   bash scripts/fuzz.sh [SECONDS_PER_HARNESS (30)] [HARNESS ...]   (default: every harness)
# libFuzzer runs in fork mode and goes on after a crash; each crash input is then rerun alone and
# classified (scripts/fuzz_classify.py): a bug in elastiq fails the run, one inside libhdf5 or
# libsentencepiece is recorded as upstream (build-fuzz/work/upstream/); a timeout that runs in time
# when rerun alone (the machine was busy) is reported, not failed. Writes build-fuzz/work/
# <harness>/ (grown corpus), <harness>.log, crash inputs with their reports, and one JSON line per
# harness to build-fuzz/work/summary.jsonl. Rerun one input: build-fuzz/tests/fuzz/<harness>_fuzzer FILE
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(model_file subnet_json tokenizer prompt_ids safetensors gguf)
B=build-fuzz
W="$B/work"

CC=clang CXX=clang++ cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DELASTIQ_WITH_TORCH=OFF -DELASTIQ_BUILD_TESTS=OFF -DELASTIQ_FUZZ=ON >/dev/null
cmake --build "$B" --parallel "$(nproc)"

# allocator_may_return_null: a huge malloc inside libhdf5 fails as it would without ASan (HDF5
# then reports an error) instead of ASan stopping the run.
export ASAN_OPTIONS="allocator_may_return_null=1:detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan_suppressions.txt"
options=(-rss_limit_mb=2048 -timeout=30 -max_len=262144)
mkdir -p "$W/crashes" "$W/upstream"
failed=0
for h in "${harnesses[@]}"; do
  bin="$B/tests/fuzz/${h}_fuzzer"
  mkdir -p "$W/$h"
  stamp="$W/.start-$h"
  touch "$stamp"
  start=$(date +%s.%N)
  rc=0
  "$bin" "$W/$h" "tests/fuzz/corpus/$h" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    -max_total_time="$seconds" "${options[@]}" -artifact_prefix="$W/crashes/$h-" >"$W/$h.log" 2>&1 || rc=$?
  wall=$(python3 -c "import time; print(round(time.time() - $start, 1))")
  ours=()
  upstream=()
  explained=0  # crash inputs classified as upstream or as a timeout that runs in time alone
  while IFS= read -r input; do
    [ -n "$input" ] || continue
    "$bin" "${options[@]}" "$input" >"$input.report" 2>&1 || true
    verdict=$(python3 scripts/fuzz_classify.py "$input.report")
    if [[ "$verdict" == upstream:* ]]; then
      mv "$input" "$input.report" "$W/upstream/"
      upstream+=("$W/upstream/$(basename "$input") ($verdict)")
      explained=$((explained + 1))
    elif [[ "$verdict" == unreproduced && "$(basename "$input")" == "$h-timeout-"* ]]; then
      echo "fuzz: $h: a timeout that ran in time alone (a busy machine?), kept as $input" >&2
      explained=$((explained + 1))
    else
      ours+=("$input ($verdict)")
    fi
  done < <(find "$W/crashes" -name "$h-*" ! -name "*.report" -newer "$stamp")
  python3 scripts/fuzz_summary.py "$h" "$W/$h.log" "$wall" "$rc" "${#ours[@]}" "${#upstream[@]}" |
    tee -a "$W/summary.jsonl"
  for u in "${upstream[@]}"; do echo "fuzz: $h: inside an upstream library, kept as $u" >&2; done
  # libFuzzer exits non-zero after any crash: that fails the run only if no input explains it.
  if [ ${#ours[@]} -gt 0 ] || { [ "$rc" -ne 0 ] && [ "$explained" -eq 0 ]; }; then
    failed=1
    echo "fuzz: $h: exit $rc; elastiq bugs: ${ours[*]:-none}" >&2
    for o in "${ours[@]}"; do grep -m 1 -A 12 -E "ERROR|runtime error|terminate called" "${o%% (*}.report" >&2 || true; done
  fi
done
exit $failed
