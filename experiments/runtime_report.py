#!/usr/bin/env python3
"""Turns experiments/runtime_bench.sh's JSON lines into a markdown table (medians) and a PNG bar chart."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict

from report_common import cpu_name

raw, repeats, out_md, out_png = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
runs = defaultdict(list)
for line in open(raw):
    j = json.loads(line)
    runs[(j["model"], j["format"], j["threads"])].append(j)

def med(rows, key):
    return statistics.median(r[key] for r in rows)

env = " ".join(f'{k}="{os.environ[k]}"' for k in ("MODELS", "OUT") if os.environ.get(k))
command = (env + " " if env else "") + f"experiments/runtime_bench.sh {repeats}"
cpu = cpu_name()
lines = [
    "# Runtime speed: fp32 vs W8A8 vs ternary (random weights at real shapes)",
    "",
    f"Machine: {cpu}, 2 cores. Command: `{command}` (each cell: median of {repeats}",
    "interleaved runs of `elastiq bench --prompt-tokens 64 --decode-tokens 64 --repeats 1 --json`, 150 decode",
    "tokens on the tiny model; each bench run warms up once, then times prefill and greedy decode;",
    "the memory bandwidth is measured inside the same run; the LibTorch columns are `elastiq-train bench`, the same subnet",
    "in LibTorch fp32 eager with a KV cache, same threads, run by `elastiq bench` right after). Raw data: `" + out_md.replace(".md", "_bench.jsonl") + "` (copied from `runs/bench/`).",
    "",
    "| model | params | format | threads | decode tok/s | ms/token | prefill tok/s | weight MB/token | bandwidth GB/s | roofline tok/s | of roofline | LibTorch fp32 decode tok/s | vs LibTorch |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
]
for (model, fmt, threads), rows in sorted(runs.items(), key=lambda kv: (kv[0][0], ["fp32", "w8a8", "ternary"].index(kv[0][1]), kv[0][2])):
    d = med(rows, "decode_tokens_per_s")
    lines.append(
        f"| {model} | {rows[0]['params'] / 1e6:.1f}M | {fmt} | {threads} | {d:.1f} | {1e3 / d:.3f} | "
        f"{med(rows, 'prefill_tokens_per_s'):.0f} | {rows[0]['weight_bytes_per_token'] / 1e6:.1f} | "
        f"{med(rows, 'bandwidth_bytes_per_s') / 1e9:.1f} | {med(rows, 'roofline_tokens_per_s'):.1f} | "
        f"{100 * med(rows, 'roofline_fraction'):.0f}% | " +
        (f"{med(rows, 'torch_fp32_decode_tokens_per_s'):.1f} | {med(rows, 'decode_speedup_vs_torch_fp32'):.1f}x |"
         if all('torch_fp32_decode_tokens_per_s' in r for r in rows) else "- | - |"))
lines += ["", "Ratios of medians (decode):", ""]
for model in sorted({k[0] for k in runs}):
    for threads in (1, 2):
        base = runs.get((model, "fp32", threads))
        if not base:
            continue
        b = med(base, "decode_tokens_per_s")
        parts = [f"{fmt} {med(runs[(model, fmt, threads)], 'decode_tokens_per_s') / b:.2f}x"
                 for fmt in ("w8a8", "ternary") if (model, fmt, threads) in runs]
        lines.append(f"- {model}, {threads} thread(s): vs fp32: " + ", ".join(parts))
open(out_md, "w").write("\n".join(lines) + "\n")

with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as dat:
    for model in ("mobilellm-125m", "mobilellm-350m"):
        for threads in (1, 2):
            vals = [med(runs[(model, f, threads)], "decode_tokens_per_s") if (model, f, threads) in runs else 0
                    for f in ("fp32", "w8a8", "ternary")]
            dat.write(f'"{model} {threads}t" {vals[0]} {vals[1]} {vals[2]}\n')
script = f"""
set terminal pngcairo size 900,500
set output '{out_png}'
set title 'Decode speed, random-weight MobileLLM shapes (median of {repeats})'
set ylabel 'tokens/s'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set key top right
plot '{dat.name}' using 2:xtic(1) title 'fp32', '' using 3 title 'W8A8', '' using 4 title 'ternary'
"""
subprocess.run(["gnuplot"], input=script, text=True, check=True)
print(open(out_md).read())
