# Sourced by scaleout.sh and scaleout_overlap.sh (after they set DATA, TOK and tmp): the models they
# train, the pretrain arguments every run shares, and readers of a run's output.
TINY=experiments/configs/tiny-decoder.json  # the quickstart's teacher
# The 125M shape with this tokenizer's vocabulary (VOCAB, default 4096).
sed "s/\"vocab_size\": 32000/\"vocab_size\": ${VOCAB:-4096}/" experiments/configs/mobilellm-125m.json >"$tmp/m125.json"
pretrain() {  # CONFIG STEPS BATCH SEQ OUT [extra...]: the pretrain arguments every run shares
  local config=$1 steps=$2 batch=$3 seq=$4 out=$5; shift 5
  echo "pretrain --config $config --data $DATA --tokenizer $TOK --steps $steps --batch-size $batch --seq-len $seq" \
    "--eval-every 100000 --eval-tokens 2048 --out $out $*"
}
tokens_per_second() { sed -n 's/^pretrained .* at \([0-9]*\) tokens\/s.*/\1/p'; }  # the whole run's
last_step_tps() { sed -n 's/^step .* \([0-9]*\) tok\/s .*/\1/p' | tail -1; }      # before the final checkpoint
reduce_line() { sed -n 's/^data parallel: \(.*\)/\1/p'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
