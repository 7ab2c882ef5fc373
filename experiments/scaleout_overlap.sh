#!/usr/bin/env bash
# The gradient allreduce overlapping the backward pass, against the same reduction started after it:
# 2 ranks x 1 thread (elastiq launch) pretraining the tiny decoder and the 125M shape with the binaries
# of two commits (BEFORE: built before the overlap; AFTER: with it), interleaved rounds, medians.
# Usage: experiments/scaleout_overlap.sh BEFORE_BIN_DIR AFTER_BIN_DIR DATA_DIR TOKENIZER [ROUNDS]
#   (writes experiments/results/scaleout_overlap.md). VOCAB (default 4096): the tokenizer's vocabulary.
# Pause other work first (SIGSTOP): this machine has 2 cores and the runs time whole steps.
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=${1:?before bin dir}; AFTER=${2:?after bin dir}; DATA=${3:?data folder}; TOK=${4:?tokenizer}; ROUNDS=${5:-3}
OUT=experiments/results/scaleout_overlap.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source experiments/scaleout_lib.sh  # TINY, $tmp/m125.json, pretrain, last_step_tps, reduce_line, median

# run BIN CONFIG STEPS BATCH: one 2-rank pretraining; prints "TOKENS_PER_S|REDUCE_LINE". Tokens/s: the
# last progress line's (the run's speed before the final checkpoint is written).
run() {
  local bin=$1 config=$2 steps=$3 batch=$4
  $bin/elastiq launch --nproc 2 -- $(pretrain "$config" "$steps" "$batch" 128 "$tmp/out.h5" --log-every 1) >"$tmp/log"
  rm -f "$tmp/out.h5"
  echo "$(last_step_tps <"$tmp/log")|$(reduce_line <"$tmp/log")"
}
declare -A tps reduce
for r in $(seq "$ROUNDS"); do
  for model in tiny m125; do
    for side in before after; do
      bin=$BEFORE; [ $side = after ] && bin=$AFTER
      if [ $model = tiny ]; then result=$(run "$bin" $TINY 60 32); else result=$(run "$bin" "$tmp/m125.json" 4 2); fi
      tps[$model-$side]+="${result%%|*} "
      reduce[$model-$side]=${result#*|}
      echo "round $r $model $side: ${result%%|*} tokens/s; ${result#*|}"
    done
  done
done

ratio() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }
{
  echo "# The gradient allreduce overlapping the backward pass"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d),"
  echo "commit $(git rev-parse --short HEAD). Command: \`experiments/scaleout_overlap.sh $*\`"
  echo "(before: $(cat "$BEFORE/COMMIT" 2>/dev/null || echo "$BEFORE"); after: $(cat "$AFTER/COMMIT" 2>/dev/null || echo "$AFTER"))."
  echo
  echo "2 ranks x 1 thread on this machine (\`elastiq launch --nproc 2 -- pretrain ...\`), Gloo over the loopback,"
  echo "$ROUNDS interleaved rounds; tokens/s from each run's last progress line (median over rounds). *before*: the"
  echo "gradients averaged after the backward pass (16 MB buckets, all started together); *after*: 4 MB buckets"
  echo "started as the backward pass completes them."
  echo
  echo "| model | global batch | before: tokens/s | after: tokens/s | after / before |"
  echo "|---|---|---|---|---|"
  for model in tiny m125; do
    b=$(echo "${tps[$model-before]}" | median); a=$(echo "${tps[$model-after]}" | median)
    name="tiny-decoder, 60 steps"; batch="32 x 128"
    [ $model = m125 ] && name="mobilellm-125m shape, vocabulary ${VOCAB:-4096}, 4 steps" && batch="2 x 128"
    echo "| $name | $batch | $b | $a | $(ratio "$a" "$b") |"
  done
  echo
  echo "Each run's own account of its allreduce (last round; before: time of the whole reduction after backward;"
  echo "after: time waited for after backward):"
  echo
  for key in tiny-before tiny-after m125-before m125-after; do echo "- $key: ${reduce[$key]}"; done
  echo
  echo "All runs (tokens/s, in round order):"
  echo
  for key in tiny-before tiny-after m125-before m125-after; do echo "- $key: ${tps[$key]}"; done
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"
