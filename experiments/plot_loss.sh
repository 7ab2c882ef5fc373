#!/usr/bin/env bash
# Plots the training-loss history stored in model files (/train_state/loss_history) to a PNG.
# Usage: experiments/plot_loss.sh OUT.png TITLE FILE.h5[:label] [FILE.h5[:label] ...]
set -euo pipefail
source "$(dirname "$0")/plot_lib.sh"
start_plot "$@"
shift 2
i=0
for spec in "$@"; do
  h5dump -d /train_state/loss_history -y -w 1 --noindex "$(spec_file "$spec")" | grep -E '^ *[-0-9.e+]+,?$' |
    tr -d ', ' >"$tmp/$i.dat"
  plots+=("'$tmp/$i.dat' using (\$0+1):1 with lines title '$(spec_label "$spec")'")
  i=$((i + 1))
done
render_png "$out" "$title" step 'training loss (nats/token)' '' "${plots[@]}"
