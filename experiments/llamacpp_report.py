#!/usr/bin/env python3
"""Turns experiments/llamacpp_side_by_side.sh's JSON lines into llamacpp.md (medians, ratios against
the runtime's targets: W8A8 >= 1.2x Q8_0, ternary >= 1.5x TQ2_0) and a PNG bar chart."""
import json
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict

from report_common import cpu_name

raw, repeats, out_md, out_png = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
runs = defaultdict(list)  # (engine, model, format, threads) -> decode tok/s
for line in open(raw):
    j = json.loads(line)
    runs[(j["engine"], j["model"], j["format"], j["threads"])].append(j["decode"])
med = statistics.median
# (model, elastiq format, llama.cpp type, target ratio)
PAIRS = [("mobilellm-125m", "w8a8", "q8_0", 1.2), ("mobilellm-350m", "w8a8", "q8_0", 1.2),
         ("ternary-512", "w8a8", "q8_0", 1.2), ("ternary-512", "ternary", "tq2_0", 1.5)]
cpu = cpu_name()
lines = [
    "# elastiq runtime vs llama.cpp, side by side (decode, random weights, same shapes and threads)",
    "",
    f"Machine: {cpu}, 2 cores, shared (noisy). Command: `LLAMA_BIN_DIR=... experiments/llamacpp_side_by_side.sh "
    f"{repeats}`; each cell is the median of {repeats} interleaved runs (the two engines alternate, one measurement",
    "each, so both see the same machine state). elastiq: `elastiq bench --prompt-tokens 64 --decode-tokens 64 --repeats 1",
    "--no-torch` (decode after a 64-token prompt). llama.cpp: `llama-bench -p 0 -n 64 -r 1` (64 tokens from an empty",
    "context). Raw data: `experiments/results/llamacpp_side_by_side.jsonl`.",
    "",
    "| model | elastiq | llama.cpp | threads | elastiq tok/s | llama.cpp tok/s | ratio | target | met |",
    "|---|---|---|---|---|---|---|---|---|",
]
bars = []
for model, ours, theirs, target in PAIRS:
    for threads in (1, 2):
        a, b = runs.get(("elastiq", model, ours, threads)), runs.get(("llama.cpp", model, theirs, threads))
        if not a or not b:
            continue
        ratio = med(a) / med(b)
        lines.append(f"| {model} | {ours} | {theirs.upper()} | {threads} | {med(a):.1f} | {med(b):.1f} | {ratio:.2f}x | "
                     f"{target}x | {'yes' if ratio >= target else 'no'} |")
        bars.append((f"{model} {ours}/{theirs} {threads}t", med(a), med(b)))
open(out_md, "w").write("\n".join(lines) + "\n")

with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as dat:
    for label, a, b in bars:
        dat.write(f'"{label}" {a} {b}\n')
script = f"""
set terminal pngcairo size 1100,500 noenhanced
set output '{out_png}'
set title 'Decode tokens/s, elastiq vs llama.cpp (median of {repeats}, same shapes and threads)'
set ylabel 'tokens/s'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set xtics rotate by -20
set key top left
plot '{dat.name}' using 2:xtic(1) title 'elastiq', '' using 3 title 'llama.cpp'
"""
subprocess.run(["gnuplot"], input=script, text=True, check=True)
print(open(out_md).read())
