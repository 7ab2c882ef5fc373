#!/usr/bin/env bash
# Is a palette entry the best subnet of its size? (experiments/results/palette_best_at_size.md)
# The palette search at its defaults (8 largest candidates within each size's budget, the 2 best on the
# proxy evaluated on 32,768 tokens) against the same search with every one of the 16 largest candidates
# evaluated on 65,536 tokens (a sample spread over the validation split), on one supernet.
# Defaults: the supernet and data scripts/quickstart.sh makes (the results file names what it ran on).
# Usage: [SUPERNET=runs/quickstart/supernet.h5 DATA=runs/quickstart/data] experiments/palette_best_at_size.sh [OUT_DIR]
#        (uses build/tools/elastiq or $ELASTIQ_BIN_DIR/elastiq)
set -euo pipefail
cd "$(dirname "$0")/.."
R=${1:-runs/palette-best}
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
SUPERNET=${SUPERNET:-runs/quickstart/supernet.h5}
DATA=${DATA:-runs/quickstart/data}
for input in "$SUPERNET" "$DATA"; do
  [ -e "$input" ] || { echo "palette_best_at_size.sh: $input not found: run scripts/quickstart.sh, or set SUPERNET and DATA" >&2; exit 2; }
done
mkdir -p "$R"
$E palette --supernet "$SUPERNET" --data "$DATA" --out "$R/default.h5" | tee "$R/default.log"
$E palette --supernet "$SUPERNET" --data "$DATA" --candidates 16 --finalists 16 --eval-tokens 65536 \
  --out "$R/exhaustive.h5" | tee "$R/exhaustive.log"
python3 experiments/palette_best_at_size_report.py "$R" "$SUPERNET" "$DATA"
