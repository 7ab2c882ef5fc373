#!/usr/bin/env bash
# The measurements of experiments/results/quant.md: every palette entry in fp32, W8A8 (PTQ),
# ternary without QAT and ternary after QAT, on the validation split with the runtime (plus the
# LibTorch simulated path for the QAT copy), and the weight bytes each reads per token.
# Usage: experiments/quant_study.sh [OUT_DIR]   (needs experiments/mlfs_study.sh's palettes)
set -euo pipefail
cd "$(dirname "$0")/.."
R=${1:-runs/quant-study}
M=${ELASTIQ_MLFS_DIR:-runs/mlfs-study}
Q=${ELASTIQ_QUICKSTART_DIR:-runs/quickstart}
E=${ELASTIQ_BIN_DIR:-build}/tools/elastiq
EVAL_TOKENS=65536  # validation tokens (examples) scored per entry and format
QAT_STEPS=${QAT_STEPS:-200}  # --threads 1: many small fake-quant ops spin OpenMP barriers on a shared 2-core machine
mkdir -p "$R"

# quantize_all NAME PALETTE DATA: W8A8 PTQ, ternary PTQ and ternary QAT copies of one palette.
quantize_all() {
  local name=$1 palette=$2 data=$3
  [ -e "$R/$name-w8a8.h5" ] || $E quantize --in "$palette" --format w8a8 --out "$R/$name-w8a8.h5" | tee "$R/$name-w8a8.log"
  [ -e "$R/$name-ternary-ptq.h5" ] || $E quantize --in "$palette" --format ternary --out "$R/$name-ternary-ptq.h5" | tee "$R/$name-ternary-ptq.log"
  if [ ! -e "$R/$name-ternary-qat.done" ]; then
    local resume=(); [ -e "$R/$name-ternary-qat.h5" ] && resume=(--resume)
    local t0; t0=$(date +%s)
    $E quantize --in "$palette" --format ternary --qat-steps "$QAT_STEPS" --data "$data" --out "$R/$name-ternary-qat.h5" --threads 1 \
      --log-every 25 "${resume[@]}" | tee -a "$R/$name-ternary-qat.log"
    echo $(( $(date +%s) - t0 )) >>"$R/$name-ternary-qat.seconds"
    touch "$R/$name-ternary-qat.done"
  fi
}
# measure NAME DATA SPLIT ENTRIES...: one JSON line per (entry, variant) into R/quant.jsonl.
measure() {
  local name=$1 data=$2 split=$3; shift 3
  for s in "$@"; do
    for v in "fp32 w8a8 fp32" "w8a8 w8a8 w8a8" "ternary ternary-ptq ternary-ptq" "ternary ternary-qat ternary-qat"; do
      local fmt copy variant
      read -r fmt copy variant <<<"$v"  # format to run, file it runs from, label
      local tag="$name/$s/$variant"
      grep -q "\"tag\": \"$tag\"" "$R/quant.jsonl" 2>/dev/null && continue
      local file="$R/$name-$copy.h5"
      local ev bench torch=null
      ev=$($E eval --json --engine runtime --format "$fmt" --model "$file" --subnet "$s" --data "$data" --split "$split" --max-tokens $EVAL_TOKENS)
      bench=null  # bench times decoding; encoders have no decode
      [ "$name" = dec ] && bench=$($E bench --json --palette "$file" --subnet "$s" --format "$fmt" --prompt-tokens 8 --decode-tokens 8 --repeats 1)
      [ "$variant" = ternary-qat ] && torch=$($E eval --json --engine torch --format ternary --model "$file" --subnet "$s" --data "$data" --split "$split" --max-tokens $EVAL_TOKENS --threads 1)
      echo "{\"tag\": \"$tag\", \"palette\": \"$name\", \"subnet\": \"$s\", \"variant\": \"$variant\", \"eval\": $ev, \"bench\": $bench, \"torch\": $torch}" >>"$R/quant.jsonl"
    done
  done
}

quantize_all dec "$M/palette.h5" "$Q/data"
measure dec "$Q/data" val p100 p67 p50 p25
if [ -e "$M/enc-palette.h5" ]; then
  quantize_all enc "$M/enc-palette.h5" runs/spam
  measure enc runs/spam test p100 p60 p45 p30
fi
python3 experiments/quant_report.py "$R"
