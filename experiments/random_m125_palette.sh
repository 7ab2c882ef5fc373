#!/usr/bin/env bash
# The device checks' random-weight MobileLLM-125M palette (experiments/random_palette.sh): the maxnet and
# entries at 0.8-0.25 of its parameters, 7 entries spanning 4x, in fp32, W8A8 and ternary.
# Shared by device_palettes.sh and probe_stability.sh. Does nothing if OUT exists.
# Usage: experiments/random_m125_palette.sh OUT.h5
set -euo pipefail
cd "$(dirname "$0")/.."
bash experiments/random_palette.sh "$1" experiments/configs/mobilellm-125m.json --sizes 0.8 0.65 0.5 0.4 0.3 0.25
