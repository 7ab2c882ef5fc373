#!/usr/bin/env bash
# Plots the maxnet's and the smallest subnet's validation perplexity from `elastiq mlfs` logs (the
# "step N: validation perplexity maxnet X, smallest Y" lines) to a PNG, log scale.
# Usage: experiments/plot_mlfs_validation.sh OUT.png TITLE MLFS.log[:label] [MLFS.log[:label] ...]
set -euo pipefail
source "$(dirname "$0")/plot_lib.sh"
validation_curves() {  # DAT FILE LABEL
  sed -n 's/^ *step \([0-9]*\): validation perplexity maxnet \([0-9.]*\), smallest \([0-9.]*\)$/\1 \2 \3/p' "$2" |
    sort -n -u >"$1"
  [ -s "$1" ] || { echo "plot_mlfs_validation: no validation lines in $2" >&2; exit 2; }
  plots+=("'$1' using 1:2 with linespoints lw 2 title '$3: maxnet'")
  plots+=("'$1' using 1:3 with linespoints dt 2 title '$3: smallest'")
}
start_plot "$@"
shift 2
for_each_spec validation_curves "$@"
# The smallest subnet starts near 10,000 before stage 1 trains it: the y axis stops at 1000.
render_png "$out" "$title" 'MLFS step' 'validation perplexity (32,768 tokens)' \
  $'set logscale y\nset yrange [:1000]\nset key below' "${plots[@]}"
