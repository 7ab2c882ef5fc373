#!/usr/bin/env bash
# Should the quickstart's short MLFS run train the base weights (`--train-base`)? On the quickstart's own 1000-step
# teacher and MLFS settings (rank 32, alpha 64, --maxnet-kd 1, stages 50 + 150 + 150), trains the supernet with W0
# frozen, with --train-base (the base weights' lr at 1, 0.3 and 0.1 of the adapters'), and with --train-base
# drawing the random subnets among the palette's sizes (--sample-sizes); searches each one's palette, evaluates
# every entry on 65,536 validation tokens with the runtime (R/evals.jsonl) and prints the table of
# experiments/results/log/mlfs.md, 2026-11-28 (commits 5d07d84..1634f53). Each step resumes.
# Usage: experiments/mlfs_quickstart_train_base.sh [OUT_DIR]   (needs runs/quickstart/data and tokenizer.model)
set -euo pipefail
cd "$(dirname "$0")/.."
R=${1:-runs/mlfs-quickstart-train-base}
Q=runs/quickstart
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
EVAL_TOKENS=65536
source experiments/mlfs_lib.sh  # run, evaluate
mkdir -p "$R"
run teacher "$R/teacher.h5" $E pretrain --config experiments/configs/tiny-decoder.json --data $Q/data \
  --tokenizer $Q/tokenizer.model --steps 1000 --batch-size 32 --out "$R/teacher.h5"
evaluate teacher --model "$R/teacher.h5" --data $Q/data
declare -A FLAGS=([frozen]="" [train-base]="--train-base" [train-base-lr0.3]="--train-base --base-lr-scale 0.3"
  [train-base-lr0.1]="--train-base --base-lr-scale 0.1" [train-base-sizes]="--train-base --sample-sizes 0.67 0.5 0.25")
VARIANTS=(frozen train-base train-base-lr0.3 train-base-lr0.1 train-base-sizes)
for v in "${VARIANTS[@]}"; do
  read -r -a flag <<<"${FLAGS[$v]}"
  run "$v" "$R/$v.h5" $E mlfs --teacher "$R/teacher.h5" --data $Q/data --out "$R/$v.h5" --stage0-steps 50 \
    --stage1-steps 150 --stage2-steps 150 --rank 32 --lora-alpha 64 --maxnet-kd 1 --log-every 50 "${flag[@]}"
  [ -e "$R/$v-palette.h5" ] || $E palette --supernet "$R/$v.h5" --data $Q/data --out "$R/$v-palette.h5" \
    >"$R/$v-palette.log" 2>&1
  for s in p100 p67 p50 p25; do evaluate "$v-$s" --model "$R/$v-palette.h5" --subnet $s --data $Q/data; done
done
python3 - "$R" "${VARIANTS[@]}" <<'PY'
import json, sys
r, variants = sys.argv[1], sys.argv[2:]
ev = {}
for line in open(f"{r}/evals.jsonl"):
    j = json.loads(line); ev[j["tag"]] = j["result"]
secs = {v: round(sum(float(x) for x in open(f"{r}/{v}.seconds"))) for v in variants}
t = ev["teacher"]["perplexity"]
print(f"teacher (1000 steps): {t:.2f} validation perplexity")
print("| MLFS run | wall s | p100 | p67 | p50 | p25 |")
print("|---|---|---|---|---|---|")
for v in variants:
    cells = [v, str(secs[v])]
    for s in ("p100", "p67", "p50", "p25"):
        e = ev[f"{v}-{s}"]
        cells.append(f"{e['perplexity']:.2f} ({100 * (e['perplexity'] / t - 1):+.1f}%, {e['params'] / 1e6:.2f}M)")
    print("| " + " | ".join(cells) + " |")
PY
