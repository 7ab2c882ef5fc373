#!/usr/bin/env bash
# A random-weight palette at real shapes with all three formats, for speed and memory work without
# training: `elastiq init --random` (fp32), then the W8A8 and ternary packed copies added by
# `elastiq quantize`. Does nothing if OUT exists. Shared by the runtime, memory and llama.cpp benchmarks.
# Usage: experiments/random_palette.sh OUT.h5 CONFIG.json [init options, e.g. --sizes 0.5 0.25]
#        (uses build/tools/elastiq or $ELASTIQ_BIN_DIR/elastiq)
set -euo pipefail
OUT=$1 CONFIG=$2
shift 2
[ -f "$OUT" ] && exit 0
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
"$E" init --config "$CONFIG" --random "$@" --out "$OUT-fp32.h5"
"$E" quantize --in "$OUT-fp32.h5" --format w8a8 --out "$OUT-w8a8.h5"
"$E" quantize --in "$OUT-w8a8.h5" --format ternary --out "$OUT"
rm -f "$OUT-fp32.h5" "$OUT-w8a8.h5"
