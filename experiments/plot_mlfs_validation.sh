#!/usr/bin/env bash
# Plots the maxnet's and the smallest subnet's validation perplexity from `elastiq mlfs` logs (the
# "step N: validation perplexity maxnet X, smallest Y" lines) to a PNG, log scale.
# Usage: experiments/plot_mlfs_validation.sh OUT.png TITLE MLFS.log[:label] [MLFS.log[:label] ...]
set -euo pipefail
out=${1:?out.png}; title=${2:?title}; shift 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
plots=()
i=0
for spec in "$@"; do
  file=${spec%%:*}; label=${spec#*:}; [ "$label" = "$spec" ] && label=$(basename "$file")
  sed -n 's/^ *step \([0-9]*\): validation perplexity maxnet \([0-9.]*\), smallest \([0-9.]*\)$/\1 \2 \3/p' "$file" |
    sort -n -u >"$tmp/$i.dat"
  [ -s "$tmp/$i.dat" ] || { echo "plot_mlfs_validation: no validation lines in $file" >&2; exit 2; }
  plots+=("'$tmp/$i.dat' using 1:2 with linespoints lw 2 title '$label: maxnet'")
  plots+=("'$tmp/$i.dat' using 1:3 with linespoints dt 2 title '$label: smallest'")
  i=$((i + 1))
done
gnuplot <<GP
set terminal pngcairo size 900,560
set output '$out'
set title '$title'
set xlabel 'MLFS step'
set ylabel 'validation perplexity (32,768 tokens)'
set logscale y
set yrange [:1000]  # the smallest subnet starts near 10,000 before stage 1 trains it
set grid
set key below
plot $(IFS=,; echo "${plots[*]}")
GP
echo "wrote $out"
