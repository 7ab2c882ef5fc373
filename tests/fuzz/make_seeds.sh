#!/usr/bin/env bash
# Regenerates the fuzzers' seed corpus (tests/fuzz/corpus/<harness>/): small valid inputs made by
# elastiq itself, a few KB each, so the fuzzers start from files that pass every check.
#   bash tests/fuzz/make_seeds.sh [BUILD_DIR]   (a normal build with tools: default build/)
set -euo pipefail
cd "$(dirname "$0")/../.."
E="${1:-build}/tools/elastiq"
C=tests/fuzz/corpus
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p $C/model_file $C/subnet_json $C/tokenizer $C/prompt_ids $C/safetensors $C/gguf

config() {  # name kind vocab d_model layers ffn [extra json]
  echo "{\"name\": \"$1\", \"kind\": \"$2\", \"vocab_size\": $3, \"d_model\": $4, \"n_layers\": $5, \"repeat\": 1,
 \"n_heads\": 2, \"n_kv_heads\": 1, \"ffn_dim\": $6, \"max_seq_len\": 16${7:-}}"
}
config seed-decoder decoder 32 32 2 64 > $W/decoder.json
config seed-encoder encoder 32 32 1 64 ', "n_classes": 2' > $W/encoder.json
config seed-spoken decoder 300 32 1 32 > $W/spoken.json

# A tokenizer of the smallest vocabulary byte fallback allows, trained on a few lines of text.
mkdir -p $W/text
for d in $(seq 1 40); do
  for i in $(seq 1 20); do echo "document $d line $i holds words a fuzzer can start from"; done > $W/text/$d.txt
done
"$E" data prepare --corpus $W/text --out $W/data > /dev/null
"$E" tokenizer train --data $W/data --vocab-size 300 --out $C/tokenizer/vocab300.model > /dev/null

"$E" init --config $W/decoder.json --random --sizes 0.5 --out $C/model_file/decoder.h5 > /dev/null
"$E" quantize --in $C/model_file/decoder.h5 --format w8a8 --out $C/model_file/decoder-w8a8.h5 > /dev/null
"$E" quantize --in $C/model_file/decoder.h5 --format ternary --out $C/model_file/decoder-ternary.h5 > /dev/null
"$E" init --config $W/encoder.json --random --out $C/model_file/encoder.h5 > /dev/null
"$E" init --config $W/spoken.json --random --tokenizer $C/tokenizer/vocab300.model --out $W/spoken.h5 > /dev/null
cp $W/spoken.h5 $C/model_file/with-tokenizer.h5
"$E" export gguf --palette $W/spoken.h5 --type q8_0 --out $C/gguf/spoken-q8_0.gguf > /dev/null

printf '%s\0%s' "$(cat $W/decoder.json)" '{"name": "half", "d_model": 32, "ffn_dim": 32, "n_kv_heads": 1, "layers": [0]}' \
  > $C/subnet_json/config-and-spec
printf '%s\0%s' "$(cat $W/decoder.json)" '{"d_model": [16, 32], "ffn_dim": [32, 64], "n_kv_heads": [1], "depth": [1, 2]}' \
  > $C/subnet_json/config-and-space
cat > $C/subnet_json/hf-config.json <<'JSON'
{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 32, "hidden_size": 32,
 "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1,
 "max_position_embeddings": 16, "rope_theta": 10000.0, "rms_norm_eps": 1e-5, "tie_word_embeddings": true}
JSON
printf '\x40%s' '1,2,3' > $C/prompt_ids/commas
printf '\xff%s' '1 87 5 4095' > $C/prompt_ids/spaces

python3 - "$C/safetensors" <<'PY'
import json, struct, sys
header = {"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
          "b": {"dtype": "F16", "shape": [3], "data_offsets": [16, 22]},
          "c": {"dtype": "BF16", "shape": [1, 1], "data_offsets": [22, 24]},
          "__metadata__": {"format": "pt"}}
h = json.dumps(header).encode()
data = struct.pack("<4f", 1, -2, 0.5, 3) + struct.pack("<3e", 1, 2, -0.25) + b"\x80\x3f"
open(sys.argv[1] + "/three-dtypes.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + data)
PY
du -sh $C/*
