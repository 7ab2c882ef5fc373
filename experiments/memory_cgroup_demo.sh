#!/usr/bin/env bash
# Demo of --watch-memory under a real memory limit (cgroup v1, run as root): `elastiq run
# --memory-budget auto --watch-memory` starts in a child memory cgroup with a roomy limit; once it
# generates, the limit drops below what the process holds with its entry (the kernel reclaims),
# the run switches down and keeps going; then the limit is raised and it switches back up. A
# second run without --watch-memory under the same lowered limit shows what happens otherwise.
# Usage: sudo experiments/memory_cgroup_demo.sh [MODEL.h5] [FORMAT]
#   (default: the MobileLLM-125M random palette of experiments/memory_bench.sh, w8a8)
set -euo pipefail
cd "$(dirname "$0")/.."
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
MODEL=${1:-runs/memory/m125.h5}
FORMAT=${2:-w8a8}
[ -f "$MODEL" ] || { echo "no $MODEL: run experiments/memory_bench.sh first, or pass a palette" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root to create a memory cgroup" >&2; exit 2; }
MINE=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
ROOT=$(awk '$9 == "cgroup" && $NF ~ /memory/ {print $5; exit}' /proc/self/mountinfo)
[ -n "$ROOT" ] && [ -n "$MINE" ] || { echo "no cgroup v1 memory hierarchy" >&2; exit 2; }
CG="$ROOT$MINE/elastiq-demo-$$"
mkdir "$CG"
trap 'rmdir "$CG" 2>/dev/null || true' EXIT
drop_cache() { python3 -c "import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)" "$MODEL"; }
mib() { echo "$(( $1 / 1048576 )) MiB"; }
RUN="$E run --palette $MODEL --format $FORMAT --prompt-ids 1,450,3021,77 --context 512 --temperature 0 --threads 2 --token-delay-ms 10"

echo "== with --watch-memory"
drop_cache
echo $((2 << 30)) >"$CG/memory.limit_in_bytes"
exec 3< <(sh -c "echo \$\$ > $CG/cgroup.procs && exec $RUN --max-tokens 400 --memory-budget auto --watch-memory" 2>&1 >/dev/null)
LOW=""
while IFS= read -r line <&3; do
  echo "  $line"
  case "$line" in
    *"(none) -> "*)
      sleep 0.5
      USAGE=$(cat "$CG/memory.usage_in_bytes")
      LOW=$((USAGE * 6 / 10))
      echo "  demo: cgroup usage $(mib "$USAGE"); lowering the limit to $(mib $LOW)"
      echo $LOW >"$CG/memory.limit_in_bytes" ;;
    *"switch at"*" -> p"*)
      if [ -n "$LOW" ] && [ "$(cat "$CG/memory.limit_in_bytes")" -lt $((1 << 30)) ]; then
        sleep 0.5
        echo "  demo: usage now $(mib "$(cat "$CG/memory.usage_in_bytes")"); raising the limit to 2 GiB"
        echo $((2 << 30)) >"$CG/memory.limit_in_bytes"
      fi ;;
  esac
done
echo "  demo: failcnt $(cat "$CG/memory.failcnt"), max usage $(mib "$(cat "$CG/memory.max_usage_in_bytes")")"

echo "== without --watch-memory: the same first entry and limit drop, 40 tokens"
drop_cache
echo $((2 << 30)) >"$CG/memory.limit_in_bytes"
echo 0 >"$CG/memory.max_usage_in_bytes"
START=$(date +%s.%N)
exec 4< <(sh -c "echo \$\$ > $CG/cgroup.procs && $RUN --subnet maxnet --max-tokens 40; echo exit status \$?" 2>&1 >/dev/null)
while IFS= read -r line <&4; do
  echo "  $line"
  case "$line" in
    *"(none) -> "*) sleep 0.5; echo $LOW >"$CG/memory.limit_in_bytes"; echo "  demo: limit lowered to $(mib $LOW)" ;;
  esac
done
echo "  demo: wall $(echo "$(date +%s.%N) - $START" | bc) s, failcnt $(cat "$CG/memory.failcnt")"
