#!/usr/bin/env bash
# Training throughput of `elastiq pretrain` side by side: bf16 autocast vs fp32, and elastiq's
# malloc setting (no mmap for large blocks) vs glibc's default. Interleaved runs, medians.
# Usage: experiments/pretrain_speed.sh DATA_DIR TOKENIZER [REPEATS]   (writes experiments/results/pretrain_speed.md)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:?data folder}; TOK=${2:?tokenizer}; REPEATS=${3:-3}
E=build/tools/elastiq
OUT=experiments/results/pretrain_speed.md
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
declare -A runs
for r in $(seq "$REPEATS"); do
  for precision in bf16 fp32; do
    for malloc in tuned default; do
      env_prefix=""; [ "$malloc" = default ] && env_prefix="ELASTIQ_DEFAULT_MALLOC=1"
      line=$(env $env_prefix $E pretrain --config experiments/configs/tiny-decoder.json --data "$DATA" --tokenizer "$TOK" \
        --steps 40 --batch-size 32 --eval-every 1000 --eval-tokens 4096 --log-every 0 --precision $precision \
        --out "$tmp/m.h5" | sed -n 's/^pretrained .* at \([0-9]*\) tokens\/s.*/\1/p')
      runs[$precision-$malloc]+="$line "
      echo "run $r $precision $malloc: $line tokens/s"
    done
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
{
  echo "# Pretraining throughput (tiny-decoder, 1.7M parameters, batch 32 x 128 tokens)"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)."
  echo "Command: \`experiments/pretrain_speed.sh $DATA $TOK $REPEATS\` (40 steps per run, $REPEATS interleaved repeats,"
  echo "2 LibTorch threads; tokens/s over the whole run including one small validation and the checkpoint write)."
  echo
  echo "| precision | malloc | tokens/s (median) | runs |"
  echo "|---|---|---|---|"
  for key in bf16-tuned bf16-default fp32-tuned fp32-default; do
    echo "| ${key%-*} | ${key#*-} | $(echo "${runs[$key]}" | median) | ${runs[$key]}|"
  done
  bt=$(echo "${runs[bf16-tuned]}" | median); bd=$(echo "${runs[bf16-default]}" | median)
  ft=$(echo "${runs[fp32-tuned]}" | median); fd=$(echo "${runs[fp32-default]}" | median)
  echo
  echo "Ratios of medians: bf16/fp32 (tuned malloc) $(awk "BEGIN{printf \"%.2f\", $bt/$ft}")x;"
  echo "tuned/default malloc: bf16 $(awk "BEGIN{printf \"%.2f\", $bt/$bd}")x, fp32 $(awk "BEGIN{printf \"%.2f\", $ft/$fd}")x."
  echo
  echo "'tuned' is what elastiq does (supernet/torch_setup.cc: mallopt M_MMAP_MAX=0, large trim threshold);"
  echo "'default' is glibc's behaviour (ELASTIQ_DEFAULT_MALLOC=1), which mmaps and unmaps every large"
  echo "activation buffer each step and page-faults it back in."
} > "$OUT"
cat "$OUT"
