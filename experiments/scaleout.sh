#!/usr/bin/env bash
# Data-parallel training on one machine: tokens/s of 1 process x 2 threads against 2 ranks x 1
# thread (elastiq launch), quiet and beside one busy process, with libgomp's default wait policy and
# with OMP_WAIT_POLICY=PASSIVE; the gradient allreduce's time and bytes per step for the tiny decoder
# and a 125M shape; and a two-node launch on the loopback. Interleaved runs, medians.
# Usage: experiments/scaleout.sh DATA_DIR TOKENIZER [ROUNDS]   (writes experiments/results/scaleout.md)
# VOCAB (default 4096): the tokenizer's vocabulary, for the 125M shape. Pause other work first (SIGSTOP):
# this machine has 2 cores and the runs time whole commands.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:?data folder}; TOK=${2:?tokenizer}; ROUNDS=${3:-3}
E=build/tools/elastiq
OUT=experiments/results/scaleout.md
tmp=$(mktemp -d); busy_pid=""
trap '[ -n "$busy_pid" ] && kill "$busy_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

source experiments/scaleout_lib.sh  # TINY, $tmp/m125.json, pretrain, tokens_per_second, last_step_tps, reduce_line, median
one_run() {  # NAME POLICY LAYOUT: LAYOUT 1x2 (one process, 2 threads) or 2x1 (two ranks)
  # passive: elastiq's default (OMP_WAIT_POLICY=PASSIVE); spin: libgomp's own default (the variable
  # set but empty, so elastiq leaves it alone and libgomp ignores it).
  local policy_env=""; [ "$2" = spin ] && policy_env="OMP_WAIT_POLICY="
  local args; args=$(pretrain $TINY 60 32 128 "$tmp/t-$1.h5" --log-every 0)
  if [ "$3" = 1x2 ]; then env $policy_env $E $args --threads 2 >"$tmp/log"
  else env $policy_env $E launch --nproc 2 -- $args >"$tmp/log"; fi
  local tps; tps=$(tokens_per_second <"$tmp/log")
  runs[$1]+="$tps "
  [ "$3" = 2x1 ] && reduce[$1]=$(reduce_line <"$tmp/log")
  echo "round $r $1: $tps tokens/s"
}
declare -A runs reduce
for r in $(seq "$ROUNDS"); do
  for policy in spin passive; do
    for layout in 1x2 2x1; do one_run "quiet-$policy-$layout" $policy $layout; done
  done
  sh -c 'while :; do :; done' & busy_pid=$!
  for policy in spin passive; do
    for layout in 1x2 2x1; do one_run "busy-$policy-$layout" $policy $layout; done
  done
  kill "$busy_pid"; wait "$busy_pid" 2>/dev/null || true; busy_pid=""
done

# The allreduce at 125M shape: 2 ranks, one sequence each; and one process on both sequences. The
# training speed is the last progress line's (before the 1.3 GB checkpoint is written).
m125_two=$($E launch --nproc 2 -- $(pretrain "$tmp/m125.json" 4 2 128 "$tmp/m2.h5") --log-every 1 | tee "$tmp/m125.log")
m125_reduce=$(reduce_line <<<"$m125_two"); m125_two_tps=$(last_step_tps <<<"$m125_two")
m125_one_tps=$($E $(pretrain "$tmp/m125.json" 4 2 128 "$tmp/m1.h5") --threads 2 --log-every 1 | last_step_tps)
m125_params=$($E inspect --json "$tmp/m2.h5" | sed -n 's/.*"params": *\([0-9]*\).*/\1/p' | head -1)

# Two "nodes" on this machine: node ranks 0 and 1 meet at a loopback master.
port=$((29000 + RANDOM % 1000))
node_args="$(pretrain $TINY 30 32 128 "$tmp/nodes.h5" --log-every 0) --threads 1"  # two ranks share these 2 cores
$E launch --nnodes 2 --node-rank 1 --nproc 1 --master 127.0.0.1:$port -- $node_args >"$tmp/node1.log" 2>&1 &
node1=$!
$E launch --nnodes 2 --node-rank 0 --nproc 1 --master 127.0.0.1:$port -- $node_args >"$tmp/node0.log" 2>&1
wait $node1

ratio() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }
med() { echo "${runs[$1]}" | median; }
{
  echo "# Data-parallel training on one machine"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d),"
  echo "commit $(git rev-parse --short HEAD). Command: \`experiments/scaleout.sh $DATA $TOK $ROUNDS\`."
  echo
  echo "## Throughput: one process with 2 threads against 2 ranks with 1 thread each"
  echo
  echo "tiny-decoder ($TINY), \`--precision auto\` (bf16 here), global batch 32 x 128 tokens, 60 steps per run"
  echo "(tokens/s over the whole run, checkpoint included), $ROUNDS interleaved rounds. *busy*: one other process"
  echo "spins on a core meanwhile. *passive*: elastiq's default, \`OMP_WAIT_POLICY=PASSIVE\` (libgomp's threads"
  echo "sleep at barriers); *spin*: libgomp's own default (threads spin a while at barriers), which elastiq"
  echo "used before and which \`OMP_WAIT_POLICY=\` (set, empty) brings back."
  echo
  echo "| machine state | OpenMP wait | 1 process x 2 threads | 2 ranks x 1 thread | 2x1 / 1x2 |"
  echo "|---|---|---|---|---|"
  for state in quiet busy; do
    for policy in spin passive; do
      a=$(med $state-$policy-1x2); b=$(med $state-$policy-2x1)
      echo "| $state | $policy | $a | $b | $(ratio "$b" "$a") |"
    done
  done
  echo
  echo "Slowdown from one busy neighbour (quiet / busy medians; its fair share of 2 cores beside 2 threads is"
  echo "1.5x): 1x2 spin $(ratio "$(med quiet-spin-1x2)" "$(med busy-spin-1x2)")x,"
  echo "1x2 passive $(ratio "$(med quiet-passive-1x2)" "$(med busy-passive-1x2)")x, 2x1 spin $(ratio "$(med quiet-spin-2x1)" "$(med busy-spin-2x1)")x,"
  echo "2x1 passive $(ratio "$(med quiet-passive-2x1)" "$(med busy-passive-2x1)")x."
  echo
  echo "All runs (tokens/s, in round order):"
  echo
  for key in $(printf '%s\n' "${!runs[@]}" | sort); do echo "- $key: ${runs[$key]}"; done
  echo
  echo "## The gradient allreduce per step"
  echo
  echo "Measured inside the training loop (flattening the gradients into buckets included), Gloo over the loopback:"
  echo
  echo "| model | parameters | 2 ranks: allreduce per step | tokens/s 2 ranks x 1 thread | tokens/s 1 process x 2 threads |"
  echo "|---|---|---|---|---|"
  echo "| tiny-decoder (quiet, last round) | $($E inspect --json "$tmp/t-quiet-passive-2x1.h5" | sed -n 's/.*"params": *\([0-9]*\).*/\1/p' | head -1) | ${reduce[quiet-passive-2x1]} | $(med quiet-passive-2x1) | $(med quiet-passive-1x2) |"
  echo "| mobilellm-125m shape, vocabulary ${VOCAB:-4096}, batch 2 x 128, 4 steps (tokens/s: last progress line) | $m125_params | $m125_reduce | $m125_two_tps | $m125_one_tps |"
  echo
  echo "The bytes are the fp32 gradients (4 bytes per parameter, plus one flag per tensor); a ring allreduce"
  echo "sends and receives about 2 (W-1)/W of them per rank and step, so over a link of B bytes/s it costs at"
  echo "least 2 (W-1)/W x bytes / B seconds per step: at 125M shape and 10 Gbit/s about 0.4 s per step."
  echo
  echo "## Two nodes on the loopback"
  echo
  echo '```'
  echo "$E launch --nnodes 2 --node-rank 1 --nproc 1 --master 127.0.0.1:$port -- $node_args &"
  echo "$E launch --nnodes 2 --node-rank 0 --nproc 1 --master 127.0.0.1:$port -- $node_args"
  echo '```'
  echo
  echo "node 0 printed:"
  echo '```'
  grep -v '^step' "$tmp/node0.log"
  echo '```'
  echo "node 1 printed (its rank prints errors only):"
  echo '```'
  cat "$tmp/node1.log"
  echo '```'
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"  # a failure above leaves the previous results in place
cat "$OUT"
