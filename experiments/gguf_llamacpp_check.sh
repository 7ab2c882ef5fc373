#!/usr/bin/env bash
# Exported GGUFs in llama.cpp itself against elastiq's runtime on the same token ids: for every entry
# of a palette and each --type in $TYPES (default f32 f16 q8_0; tq2_0 and tq1_0 need a file with a
# ternary copy and are exported with --fallback q8_0), the greedy continuation of a prompt (32 ids)
# and, on the test split's first tokens in elastiq eval's windows, the perplexity and the top-1
# agreement (the share of positions where both predict the same next token). elastiq runs with the
# fp32 KV cache: fp32 weights for f32/f16/q8_0 (the reference), its ternary weights for tq2_0/tq1_0.
# llama.cpp is not part of elastiq: LLAMA_SRC points at its public source, built here (CPU, shared
# libraries) into $LLAMA_SRC/build-elastiq-check; experiments/llamacpp_check.cc is compiled against it.
# Usage: LLAMA_SRC=/path/to/llama.cpp [LLAMA_COMMIT=abc1234] [TYPES="f32 f16 q8_0 tq2_0 tq1_0"] [CHECK_NAME=x]
#          experiments/gguf_llamacpp_check.sh [PALETTE.h5 [DATA_DIR]]
# (default: runs/quickstart/palette.h5 and runs/quickstart/data from scripts/quickstart.sh); writes
# runs/gguf-check/, experiments/results/interop.jsonl and interop.md (CHECK_NAME=x: interop-x.*).
set -euo pipefail
cd "$(dirname "$0")/.."
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
SRC=${LLAMA_SRC:?set LLAMA_SRC to a llama.cpp source tree}
PALETTE=${1:-runs/quickstart/palette.h5}
DATA=${2:-runs/quickstart/data}
TOKENS=${ELASTIQ_CHECK_TOKENS:-4096}  # test-split tokens for perplexity and top-1
TYPES=${TYPES:-f32 f16 q8_0}
RESULT=experiments/results/interop${CHECK_NAME:+-$CHECK_NAME}
DIR=runs/gguf-check${CHECK_NAME:+-$CHECK_NAME}
mkdir -p "$DIR"
LB="$SRC/build-elastiq-check"
if [ ! -f "$LB/bin/libllama.so" ]; then
  cmake -S "$SRC" -B "$LB" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF >/dev/null
  cmake --build "$LB" --target llama --parallel "$(nproc)" >/dev/null
fi
CHECK="$DIR/llamacpp_check"
g++ -O2 -std=c++17 experiments/llamacpp_check.cc -I"$SRC/include" -I"$SRC/ggml/include" -L"$LB/bin" \
  -Wl,-rpath,"$(cd "$LB/bin" && pwd)" -lllama -lggml -lggml-base -o "$CHECK"

# The test split's token ids (elastiq eval tokenizes and caches them), as text. The data folder is
# linked afresh so that its token cache holds only this model's tokenizer's ids.
rm -rf "$DIR/data" && mkdir -p "$DIR/data"
for f in "$DATA"/*; do [ -f "$f" ] && ln -s "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")" "$DIR/data/"; done
DATA="$DIR/data"
$E eval --engine runtime --model "$PALETTE" --data "$DATA" --split test --max-tokens 64 --json >/dev/null
ids_file=$(ls "$DATA"/tokens/test-*.h5)
h5dump -d /ids -y -w 0 -o "$DIR/test_ids.txt" "$ids_file" >/dev/null
python3 -c "import re, sys; print(' '.join(re.findall(r'\d+', open(sys.argv[1]).read())[:int(sys.argv[2])]))" \
  "$DIR/test_ids.txt" $((TOKENS + 1)) >"$DIR/test_ids_head.txt"
prompt=$(python3 -c "import sys; print(','.join(open(sys.argv[1]).read().split()[:16]))" "$DIR/test_ids_head.txt")
seq_len=$($E inspect --json "$PALETTE" | python3 -c "import json,sys; print(json.load(sys.stdin)['config']['max_seq_len'])")

raw="$DIR/check.jsonl"
: >"$raw"
for entry in $($E inspect --json "$PALETTE" | python3 -c "import json,sys; print(' '.join(e['name'] for e in json.load(sys.stdin)['palette']))"); do
  for type in $TYPES; do
    format=fp32 fallback=""
    case $type in tq*) format=ternary fallback="--fallback q8_0" ;; esac
    ours_greedy=$($E run --palette "$PALETTE" --subnet "$entry" --format $format --kv-cache f32 --prompt-ids "1,$prompt" \
      --max-tokens 32 --temperature 0 2>/dev/null | sed 's/.*|//' | tr -s ' ' ',' | sed 's/^,//; s/,$//')
    ours_ppl=$($E eval --engine runtime --format $format --model "$PALETTE" --subnet "$entry" --data "$DATA" --split test \
      --max-tokens "$TOKENS" --head --json --predictions "$DIR/$entry-$format.top1" |
      python3 -c "import json,sys; print(json.load(sys.stdin)['perplexity'])")
    gguf="$DIR/$entry-$type.gguf"
    fallbacks=$($E export gguf --palette "$PALETTE" --subnet "$entry" --type "$type" $fallback --out "$gguf" |
      sed -n 's/^ *\([0-9]*\) matrices as q8_0.*/\1/p')
    theirs_greedy=$("$CHECK" "$gguf" greedy "1,$prompt" 32 2>/dev/null)
    "$CHECK" "$gguf" nll "$DIR/test_ids_head.txt" "$seq_len" "$DIR/$entry-$type.top1" 2>/dev/null >"$DIR/$entry-$type.nll"
    python3 - "$entry" "$type" "$format" "$ours_greedy" "$theirs_greedy" "$ours_ppl" "$DIR/$entry-$type.nll" \
      "$DIR/$entry-$format.top1" "$DIR/$entry-$type.top1" "${fallbacks:-0}" "$(stat -c %s "$gguf")" >>"$raw" <<'EOF'
import json, sys
entry, kind, ours_format, ours, theirs, ours_ppl, nll_file, ours_top1, theirs_top1, fallbacks, size = sys.argv[1:]
lines = open(nll_file).read().split("\n")
theirs_ppl = float([l for l in lines if l.startswith("nll ")][0].split()[-1])
a, b = open(ours_top1).read().split(), open(theirs_top1).read().split()
assert len(a) == len(b) and a, (len(a), len(b))
print(json.dumps({"entry": entry, "type": kind, "elastiq_format": ours_format, "greedy_ours": ours,
                  "greedy_llamacpp": theirs, "greedy_identical": ours == theirs, "ppl_ours": float(ours_ppl),
                  "ppl_llamacpp": theirs_ppl, "ppl_ratio": theirs_ppl / float(ours_ppl),
                  "top1_agreement": sum(x == y for x, y in zip(a, b)) / len(a), "top1_positions": len(a),
                  "fallback_q8_0_tensors": int(fallbacks), "gguf_bytes": int(size)}))
EOF
    tail -1 "$raw"
  done
done
cp "$raw" "$RESULT.jsonl"
python3 experiments/interop_report.py "$raw" "$PALETTE" "${LLAMA_COMMIT:-$(cd "$SRC" && git rev-parse --short HEAD 2>/dev/null || echo unknown)}" \
  "${ELASTIQ_CHECK_COMMAND:-experiments/gguf_llamacpp_check.sh $*}" >"$RESULT.md"
