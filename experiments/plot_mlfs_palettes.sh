#!/usr/bin/env bash
# Plots palettes as validation perplexity against parameters, one line per MLFS run, from the
# evals.jsonl of the MLFS experiment scripts (lines tagged NAME-p100 / -p67 / -p50 / -p25; the entry's
# params and perplexity; the sliced-init runs' sliced-* lines are left out). TARGET=X draws a dashed line at perplexity X (e.g. the teacher's +5%).
# Usage: [TARGET=X] experiments/plot_mlfs_palettes.sh OUT.png TITLE EVALS.jsonl[:label] [EVALS.jsonl[:label] ...]
set -euo pipefail
source "$(dirname "$0")/plot_lib.sh"
palette_points() {  # DAT FILE LABEL
  { jq -r 'select((.tag? // "") | test("^(?!sliced-).*-p(100|67|50|25)$")) | "\(.result.params) \(.result.perplexity)"' "$2" 2>/dev/null ||
    true; } | sort -n >"$1"
  [ -s "$1" ] || { echo "plot_mlfs_palettes: no palette entries (tags NAME-p100 ... NAME-p25) in $2" >&2; exit 2; }
  plots+=("'$1' using 1:2 with linespoints lw 2 pt 7 title '$3'")
}
start_plot "$@"
shift 2
for_each_spec palette_points "$@"
settings=$'set logscale y\nset autoscale yfix\nset offsets 0, 0, graph 0.05, graph 0.05\nset format x "%.1s%c"\nset ytics add (60, 70, 80, 90, 120, 150, 200)\nset key top right'
[ -n "${TARGET:-}" ] && plots+=("$TARGET with lines dt 2 lc rgb 'black' title 'target: teacher +5%'")
render_png "$out" "$title" 'parameters' 'validation perplexity (65,536 tokens, log)' "$settings" "${plots[@]}"
