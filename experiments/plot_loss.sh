#!/usr/bin/env bash
# Plots the training-loss history stored in model files (/train_state/loss_history) to a PNG.
# Usage: experiments/plot_loss.sh OUT.png TITLE FILE.h5[:label] [FILE.h5[:label] ...]
set -euo pipefail
out=${1:?out.png}; title=${2:?title}; shift 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
plots=()
i=0
for spec in "$@"; do
  file=${spec%%:*}; label=${spec#*:}; [ "$label" = "$spec" ] && label=$(basename "$file")
  h5dump -d /train_state/loss_history -y -w 1 --noindex "$file" | grep -E '^ *[-0-9.e+]+,?$' | tr -d ', ' > "$tmp/$i.dat"
  plots+=("'$tmp/$i.dat' using (\$0+1):1 with lines title '$label'")
  i=$((i + 1))
done
gnuplot <<GP
set terminal pngcairo size 900,500
set output '$out'
set title '$title'
set xlabel 'step'
set ylabel 'training loss (nats/token)'
set grid
plot $(IFS=,; echo "${plots[*]}")
GP
echo "wrote $out"
