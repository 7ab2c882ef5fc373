#!/usr/bin/env python3
"""An independent reference of Hugging Face's LlamaForCausalLM forward (modeling_llama), in plain
Python, for the import test: reads config.json and the safetensors file(s) of a folder itself and
prints the logits of every position of the given token ids as JSON. It shares no code with elastiq:
RMSNorm with eps inside the square root, rotate_half RoPE (inv_freq = theta^(-2i/d)), grouped-query
attention by repeating each KV head for its num_attention_heads / num_key_value_heads query heads,
causal softmax attention scaled by 1/sqrt(head_dim), SiLU-gated MLP, LM head tied to the embedding.
Usage: hf_llama_reference.py DIR 1,17,5,90"""
import json
import math
import os
import struct
import sys


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        begin, end = t["data_offsets"]
        raw = data[begin:end]
        if t["dtype"] == "F32":
            values = list(struct.unpack("<%df" % (len(raw) // 4), raw))
        elif t["dtype"] == "F16":
            values = list(struct.unpack("<%de" % (len(raw) // 2), raw))
        elif t["dtype"] == "BF16":
            halves = struct.unpack("<%dH" % (len(raw) // 2), raw)
            values = [struct.unpack("<f", struct.pack("<I", h << 16))[0] for h in halves]
        else:
            raise SystemExit(f"{path}: dtype {t['dtype']}")
        shape = t["shape"]
        if len(shape) == 2:
            rows, cols = shape
            values = [values[r * cols:(r + 1) * cols] for r in range(rows)]
        out[name] = values
    return out


def load(folder):
    config = json.load(open(os.path.join(folder, "config.json")))
    single = os.path.join(folder, "model.safetensors")
    if os.path.exists(single):
        return config, read_safetensors(single)
    index = json.load(open(os.path.join(folder, "model.safetensors.index.json")))
    weights = {}
    for shard in sorted(set(index["weight_map"].values())):
        weights.update(read_safetensors(os.path.join(folder, shard)))
    return config, weights


def matvec(w, x):  # w: (out, in) rows
    return [sum(a * b for a, b in zip(row, x)) for row in w]


def rms_norm(x, weight, eps):
    inv = 1.0 / math.sqrt(sum(v * v for v in x) / len(x) + eps)
    return [v * inv * g for v, g in zip(x, weight)]


def rotate_half_rope(v, position, head_dim, theta):
    half = head_dim // 2
    out = []
    for h in range(len(v) // head_dim):
        x = v[h * head_dim:(h + 1) * head_dim]
        rotated = [-t for t in x[half:]] + x[:half]  # rotate_half
        for i in range(head_dim):
            angle = position * theta ** (-2.0 * (i % half) / head_dim)
            out.append(x[i] * math.cos(angle) + rotated[i] * math.sin(angle))
    return out


def forward(config, w, ids):
    d, heads = config["hidden_size"], config["num_attention_heads"]
    kv_heads = config.get("num_key_value_heads", heads)
    hd, eps, theta = d // heads, config["rms_norm_eps"], config.get("rope_theta", 10000.0)
    group = heads // kv_heads
    x = [list(w["model.embed_tokens.weight"][t]) for t in ids]
    for layer in range(config["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        normed = [rms_norm(v, w[p + "input_layernorm.weight"], eps) for v in x]
        q = [rotate_half_rope(matvec(w[p + "self_attn.q_proj.weight"], v), i, hd, theta) for i, v in enumerate(normed)]
        k = [rotate_half_rope(matvec(w[p + "self_attn.k_proj.weight"], v), i, hd, theta) for i, v in enumerate(normed)]
        vv = [matvec(w[p + "self_attn.v_proj.weight"], v) for v in normed]
        attended = []
        for i in range(len(ids)):
            out = []
            for h in range(heads):
                kvh = h // group  # repeat_kv: query head h reads KV head h // group
                qh = q[i][h * hd:(h + 1) * hd]
                scores = [sum(a * b for a, b in zip(qh, k[j][kvh * hd:(kvh + 1) * hd])) / math.sqrt(hd)
                          for j in range(i + 1)]
                m = max(scores)
                e = [math.exp(s - m) for s in scores]
                total = sum(e)
                out += [sum(e[j] / total * vv[j][kvh * hd + c] for j in range(i + 1)) for c in range(hd)]
            attended.append(out)
        x = [[a + b for a, b in zip(xi, matvec(w[p + "self_attn.o_proj.weight"], ai))] for xi, ai in zip(x, attended)]
        normed = [rms_norm(v, w[p + "post_attention_layernorm.weight"], eps) for v in x]
        mlp = []
        for v in normed:
            gate, up = matvec(w[p + "mlp.gate_proj.weight"], v), matvec(w[p + "mlp.up_proj.weight"], v)
            mlp.append(matvec(w[p + "mlp.down_proj.weight"], [g / (1.0 + math.exp(-g)) * u for g, u in zip(gate, up)]))
        x = [[a + b for a, b in zip(xi, mi)] for xi, mi in zip(x, mlp)]
    head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
    return [matvec(head, rms_norm(v, w["model.norm.weight"], eps)) for v in x]


def main():
    config, weights = load(sys.argv[1])
    ids = [int(t) for t in sys.argv[2].split(",")]
    print(json.dumps(forward(config, weights, ids)))


if __name__ == "__main__":
    main()
