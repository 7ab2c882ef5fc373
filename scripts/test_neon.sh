#!/usr/bin/env bash
# The NEON (dotprod) kernels: cross-compiles the kernels and their tests for aarch64 with Debian's
# g++-aarch64-linux-gnu into build-neon/ and runs them under qemu-user-static (scripts/test.sh runs
# this last). Fails if the NEON tests were skipped instead of run.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
cmake -S . -B build-neon -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
  -DELASTIQ_KERNELS_ONLY=ON >/dev/null
cmake --build build-neon --parallel "$jobs"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
ctest --test-dir build-neon --output-on-failure --parallel "$jobs" | tee "$log"
ran=$(grep -c '\.neon .*Passed' "$log" || true)
if [ "$ran" -eq 0 ] || grep -q '\.neon .*Skipped' "$log"; then
  echo "test_neon: the NEON kernel tests did not run (is qemu-aarch64-static's CPU missing dotprod?)" >&2
  exit 1
fi
echo "test_neon: $ran NEON kernel tests passed under qemu-aarch64-static"
