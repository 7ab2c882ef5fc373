# Sourced by compression_routes.sh and compression_routes_mlfs_frozen.sh: the study's folders and
# binaries, its MLFS settings, and mlfs_run (one MLFS palette at a budget fraction), so that a variant
# of the palette is trained exactly as the study's own. Expects the positional argument R (OUT_DIR).
R=${1:-runs/routes}
Q=${ELASTIQ_QUICKSTART_DIR:-runs/quickstart}
E=${ELASTIQ_BIN_DIR:-build/tools}/elastiq
THREADS=${THREADS:-1}
MLFS_FLAGS=(--rank 32 --lora-alpha 64 --maxnet-kd 1 --lr 1e-3)
STAGES=(100 1200 600)  # the palette's MLFS at f = 1 (16 x 128 tokens per step)
EVAL_TOKENS=65536
T=$R/teacher.h5
mkdir -p "$R"
source experiments/mlfs_lib.sh  # run, evaluate
common=(--data "$Q/data" --threads "$THREADS")

# mlfs_run TAG FRACTION [MLFS OPTIONS...]: R/supernet-TAG.h5 with every stage scaled by FRACTION, then its
# palette R/palette-TAG.h5 (default sizes).
mlfs_run() {
  local tag=$1 f=$2 s0 s1 s2
  shift 2
  read -r s0 s1 s2 <<<"$(python3 -c "print(*[max(1, round(s * $f)) for s in ($(IFS=,; echo "${STAGES[*]}"))])")"
  run "mlfs-$tag" "$R/supernet-$tag.h5" $E mlfs --teacher "$T" "${common[@]}" --out "$R/supernet-$tag.h5" \
    --stage0-steps "$s0" --stage1-steps "$s1" --stage2-steps "$s2" "${MLFS_FLAGS[@]}" "$@" --log-every 50
  run "palette-$tag" - $E palette --supernet "$R/supernet-$tag.h5" --data "$Q/data" --out "$R/palette-$tag.h5"
}
