#!/usr/bin/env bash
# Plots the training-loss history stored in model files (/train_state/loss_history) to a PNG.
# Usage: experiments/plot_loss.sh OUT.png TITLE FILE.h5[:label] [FILE.h5[:label] ...]
set -euo pipefail
source "$(dirname "$0")/plot_lib.sh"
loss_curve() {  # DAT FILE LABEL
  h5dump -d /train_state/loss_history -y -w 1 --noindex "$2" | grep -E '^ *[-0-9.e+]+,?$' | tr -d ', ' >"$1"
  plots+=("'$1' using (\$0+1):1 with lines title '$3'")
}
start_plot "$@"
shift 2
for_each_spec loss_curve "$@"
render_png "$out" "$title" step 'training loss (nats/token)' '' "${plots[@]}"
