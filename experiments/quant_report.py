#!/usr/bin/env python3
"""Turns experiments/quant_study.sh's quant.jsonl and quantize logs into experiments/results/quant.md."""
import json
import os
import re
import sys

from report_common import cpu_name

R = sys.argv[1]
OUT = sys.argv[2] if len(sys.argv) > 2 else "experiments/results"
rows = [json.loads(l) for l in open(os.path.join(R, "quant.jsonl"))]
by = {(r["palette"], r["subnet"], r["variant"]): r for r in rows}
cpu = cpu_name()


def read(name):
    path = os.path.join(R, name)
    return open(path).read() if os.path.exists(path) else ""


def copy_bytes(name, variant):  # (block-projection MB, bytes/parameter) of the whole packed copy
    m = re.search(r"block projections ([\d.]+) MB \(([\d.]+) bytes/parameter\)", read(f"{name}-{variant}.log"))
    return (float(m.group(1)), float(m.group(2))) if m else (None, None)


def qat_setup(name):
    m = re.search(r"(\d+) steps, batch (\d+) x (\d+), lr ([\d.e-]+)", read(f"{name}-ternary-qat.log"))
    secs = sum(int(x) for x in read(f"{name}-ternary-qat.seconds").split())
    return f"{m.group(1)} steps, batch {m.group(2)} x {m.group(3)}, lr {m.group(4)}, {secs / 60:.1f} min wall" if m else "?"


md = ["# Quantization of the palette: fp32 vs W8A8 vs ternary (PTQ and QAT)", "",
      f"Machine: {cpu}, 2 cores (shared with other jobs). Commands: `experiments/quant_study.sh runs/quant-study`",
      "(after `experiments/mlfs_study.sh runs/mlfs-study`), then `python3 experiments/quant_report.py runs/quant-study`.",
      "Every quality number is the runtime's (`elastiq eval --engine runtime --format F`, first 65,536 tokens or examples of the split); the QAT copy",
      "is also scored by LibTorch's simulated quantization (`--engine torch --format ternary`), which computes",
      "the runtime's integers. Bytes/parameter: what `elastiq bench` reads per decoded token for the entry",
      "(block projections in the format, the int8 embedding/LM head row reads, scales, row sums) over its parameters.", ""]
targets = {"perplexity": "W8A8 <= +1% relative; ternary+QAT within +10% of fp32",
           "accuracy": "W8A8 <= 0.5 points lost; ternary+QAT <= 3 points lost"}
for name, metric, title in [("dec", "perplexity", "Decoder (quickstart MLFS palette), validation perplexity"),
                            ("enc", "accuracy", "Encoder (spam MLFS palette), test accuracy")]:
    subnets = sorted({r["subnet"] for r in rows if r["palette"] == name}, key=lambda s: -int(s[1:]))
    if not subnets:
        continue
    w8_mb, w8_bpp = copy_bytes(name, "w8a8")
    t_mb, t_bpp = copy_bytes(name, "ternary-ptq")
    md += [f"## {title}", "", f"Targets: {targets[metric]}. Ternary QAT: {qat_setup(name)}; every entry each step,",
           "distilled from the same entry in fp32; one latent copy, so every entry still reads one nested packed copy.", ""]
    if w8_mb and t_mb:
        md += [f"Packed block projections of the whole copy: int8 {w8_mb:.3f} MB ({w8_bpp:.3f} bytes/parameter), ternary "
               f"{t_mb:.3f} MB ({t_bpp:.3f} bytes/parameter): ternary/int8 = **{t_mb / w8_mb:.3f}x** (target <= 0.27x).", ""]
    md += ["| entry | params | fp32 | W8A8 | ternary PTQ (no QAT) | ternary QAT | QAT in LibTorch sim | bytes/param fp32 / W8A8 / ternary |",
           "|---|---|---|---|---|---|---|---|"]
    for s in subnets:
        fp = by.get((name, s, "fp32"))
        if not fp:
            continue
        base = fp["eval"][metric]

        def cell(variant):
            r = by.get((name, s, variant))
            if not r:
                return "—"
            v = r["eval"][metric]
            return f"{v:.2f} ({100 * (v / base - 1):+.2f}%)" if metric == "perplexity" else f"{v:.4f} ({100 * (v - base):+.2f} pts)"

        def bpp(variant):
            r = by.get((name, s, variant))
            return f"{r['bench']['weight_bytes_per_token'] / r['eval']['params']:.2f}" if r and r.get("bench") else "—"
        q = by.get((name, s, "ternary-qat"))
        sim = f"{q['torch'][metric]:.4g}" if q and q.get("torch") else "—"
        md.append(f"| {s} | {fp['eval']['params']:,} | {base:.4g} | {cell('w8a8')} | {cell('ternary-ptq')} | {cell('ternary-qat')} | "
                  f"{sim} | {bpp('fp32')} / {bpp('w8a8')} / {bpp('ternary-qat')} |")
    md.append("")
open(os.path.join(OUT, "quant.md"), "w").write("\n".join(md) + "\n")
print("wrote", os.path.join(OUT, "quant.md"))
