#!/usr/bin/env python3
"""Writes a random-weight llama-architecture GGUF (F16) with an elastiq config's shapes, for the
side-by-side speed runs against llama.cpp (experiments/results/llamacpp_side_by_side.md).

Usage: write_random_gguf.py CONFIG.json OUT.gguf
Only decoder configs with repeat 1 (plain llama blocks). The embedding is tied (no output.weight),
as in elastiq. Values are random N(0, 0.02)-like halves tiled from one block: speed does not depend
on them. Pure standard library (GGUF v3: header, key/values, tensor infos, aligned data)."""
import json
import os
import random
import struct
import sys

GGUF_TYPE_UINT32, GGUF_TYPE_INT32, GGUF_TYPE_FLOAT32, GGUF_TYPE_STRING, GGUF_TYPE_ARRAY = 4, 5, 6, 8, 9
GGML_TYPE_F32, GGML_TYPE_F16 = 0, 1
ALIGNMENT = 32


def string(text):
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def key_value(key, kind, value):
    out = string(key) + struct.pack("<I", kind)
    if kind == GGUF_TYPE_STRING:
        return out + string(value)
    if kind == GGUF_TYPE_UINT32:
        return out + struct.pack("<I", value)
    if kind == GGUF_TYPE_FLOAT32:
        return out + struct.pack("<f", value)
    item_kind, items = value
    out += struct.pack("<IQ", item_kind, len(items))
    if item_kind == GGUF_TYPE_STRING:
        return out + b"".join(string(i) for i in items)
    return out + struct.pack("<%d%s" % (len(items), "f" if item_kind == GGUF_TYPE_FLOAT32 else "i"), *items)


def main():
    config = json.load(open(sys.argv[1]))
    if config["kind"] != "decoder" or config.get("repeat", 1) != 1:
        sys.exit(f"{sys.argv[1]}: only decoder configs with repeat 1 map onto llama.cpp's llama architecture")
    d, ffn, vocab = config["d_model"], config["ffn_dim"], config["vocab_size"]
    heads, kv_heads = config["n_heads"], config["n_kv_heads"]
    head_dim = d // heads
    q, kv = heads * head_dim, kv_heads * head_dim
    tensors = [("token_embd.weight", (d, vocab), GGML_TYPE_F16), ("output_norm.weight", (d,), GGML_TYPE_F32)]
    for layer in range(config["n_layers"]):
        b = f"blk.{layer}."
        tensors += [(b + "attn_norm.weight", (d,), GGML_TYPE_F32), (b + "ffn_norm.weight", (d,), GGML_TYPE_F32),
                    (b + "attn_q.weight", (d, q), GGML_TYPE_F16), (b + "attn_k.weight", (d, kv), GGML_TYPE_F16),
                    (b + "attn_v.weight", (d, kv), GGML_TYPE_F16), (b + "attn_output.weight", (q, d), GGML_TYPE_F16),
                    (b + "ffn_gate.weight", (d, ffn), GGML_TYPE_F16), (b + "ffn_up.weight", (d, ffn), GGML_TYPE_F16),
                    (b + "ffn_down.weight", (ffn, d), GGML_TYPE_F16)]
    tokens = ["<unk>", "<s>", "</s>"] + [f"t{i}" for i in range(3, vocab)]
    kvs = [("general.architecture", GGUF_TYPE_STRING, "llama"), ("general.name", GGUF_TYPE_STRING, config["name"]),
           ("llama.context_length", GGUF_TYPE_UINT32, config["max_seq_len"]),
           ("llama.embedding_length", GGUF_TYPE_UINT32, d), ("llama.block_count", GGUF_TYPE_UINT32, config["n_layers"]),
           ("llama.feed_forward_length", GGUF_TYPE_UINT32, ffn),
           ("llama.attention.head_count", GGUF_TYPE_UINT32, heads),
           ("llama.attention.head_count_kv", GGUF_TYPE_UINT32, kv_heads),
           ("llama.rope.dimension_count", GGUF_TYPE_UINT32, head_dim),
           ("llama.rope.freq_base", GGUF_TYPE_FLOAT32, config["rope_theta"]),
           ("llama.attention.layer_norm_rms_epsilon", GGUF_TYPE_FLOAT32, config["norm_eps"]),
           ("llama.vocab_size", GGUF_TYPE_UINT32, vocab),
           ("tokenizer.ggml.model", GGUF_TYPE_STRING, "llama"),
           ("tokenizer.ggml.tokens", GGUF_TYPE_ARRAY, (GGUF_TYPE_STRING, tokens)),
           ("tokenizer.ggml.scores", GGUF_TYPE_ARRAY, (GGUF_TYPE_FLOAT32, [0.0] * vocab)),
           ("tokenizer.ggml.token_type", GGUF_TYPE_ARRAY, (GGUF_TYPE_INT32, [2, 3, 3] + [1] * (vocab - 3))),
           ("tokenizer.ggml.bos_token_id", GGUF_TYPE_UINT32, 1), ("tokenizer.ggml.eos_token_id", GGUF_TYPE_UINT32, 2),
           ("tokenizer.ggml.unknown_token_id", GGUF_TYPE_UINT32, 0)]
    rng = random.Random(0)
    block = struct.pack("<65536e", *(rng.gauss(0.0, 0.02) for _ in range(65536)))
    ones = struct.pack("<f", 1.0)

    def nbytes(shape, kind):
        n = 1
        for s in shape:
            n *= s
        return n * (4 if kind == GGML_TYPE_F32 else 2)

    infos, offset = [], 0
    for name, shape, kind in tensors:
        infos.append(string(name) + struct.pack("<I", len(shape)) + struct.pack("<%dQ" % len(shape), *shape) +
                     struct.pack("<IQ", kind, offset))
        offset += (nbytes(shape, kind) + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT
    with open(sys.argv[2] + ".tmp", "wb") as out:
        out.write(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)))
        out.write(b"".join(key_value(*kv) for kv in kvs) + b"".join(infos))
        out.write(b"\0" * (-out.tell() % ALIGNMENT))
        for name, shape, kind in tensors:
            size = nbytes(shape, kind)
            if kind == GGML_TYPE_F32:
                out.write(ones * (size // 4))
            else:
                for start in range(0, size, len(block)):
                    out.write(block[: min(len(block), size - start)])
            out.write(b"\0" * (-size % ALIGNMENT))
    os.replace(sys.argv[2] + ".tmp", sys.argv[2])


if __name__ == "__main__":
    main()
