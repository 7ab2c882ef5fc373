#!/usr/bin/env bash
# The test command (README, .ci/run): installs dependencies, runs the static checks (include layers,
# clang-format), then builds and runs the test suites three times: the full build (LibTorch side
# included), the LibTorch-free core under AddressSanitizer + UBSan, and the NEON kernels,
# cross-compiled for aarch64 and run under qemu-user-static; between the last two, every fuzz
# harness for a bounded time (ELASTIQ_FUZZ_SECONDS, default 30).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh --cross
jobs=$(nproc)

echo "== static checks =="
python3 scripts/check_layers.py
bash scripts/check_format.sh

echo "== @huggingface/gguf: the independent GGUF parser the export tests compare with =="
npm install --prefix "$HOME/.cache/elastiq/npm" --no-audit --no-fund --loglevel=error @huggingface/gguf@0.4.6

echo "== full build (LibTorch on) =="
bash scripts/build.sh -DELASTIQ_BUILD_TESTS=ON
ctest --test-dir build --output-on-failure --parallel "$jobs"

echo "== LibTorch-free build with AddressSanitizer and UBSan =="
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DELASTIQ_WITH_TORCH=OFF -DELASTIQ_SANITIZE=ON >/dev/null
cmake --build build-asan --parallel "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build-asan --output-on-failure --parallel "$jobs"

echo "== fuzz harnesses: libFuzzer with ASan + UBSan, ${ELASTIQ_FUZZ_SECONDS:-30} s each =="
bash scripts/fuzz.sh "${ELASTIQ_FUZZ_SECONDS:-30}"

echo "== NEON kernels: aarch64 cross build under qemu-user-static =="
bash scripts/test_neon.sh
