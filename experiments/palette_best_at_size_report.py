#!/usr/bin/env python3
"""experiments/palette_best_at_size.sh's logs -> experiments/results/palette_best_at_size.md.
Usage: palette_best_at_size_report.py RUN_DIR SUPERNET DATA"""
import re
import subprocess
import sys

run_dir, supernet, data = sys.argv[1:4]
ENTRY = re.compile(r"^(p\d+)\s+(\S+)\s+(\d+) params\s+val perplexity (\S+)")
FINALIST = re.compile(r"^\s+finalist (\S+)\s+(\d+) params\s+proxy loss (\S+)\s+val perplexity (\S+)")


def read(log):
    """{entry: (pick, [(name, params, proxy loss, perplexity), ...])} in the log's order."""
    out, current = {}, None
    for line in open(log):
        if m := ENTRY.match(line):
            current = m.group(1)
            out[current] = (m.group(2), [])
        elif (m := FINALIST.match(line)) and current:
            out[current][1].append((m.group(1), int(m.group(2)), float(m.group(3)), float(m.group(4))))
    return out


default, exhaustive = read(f"{run_dir}/default.log"), read(f"{run_dir}/exhaustive.log")
commit = subprocess.run("git rev-parse --short HEAD", shell=True, capture_output=True, text=True).stdout.strip()
date = subprocess.run("date -u +%Y-%m-%d", shell=True, capture_output=True, text=True).stdout.strip()
header = ["# Is each palette entry the best subnet of its size?", "",
      f"Generated {date} at commit {commit} on this 2-core machine. Command: `experiments/palette_best_at_size.sh "
      f"{run_dir}` (supernet `{supernet}`, data `{data}`). The palette search at its defaults (the 8 largest subnets "
      "within each size's parameter budget scored by the proxy on 4,096 validation tokens, the best 2 evaluated on "
      "32,768) against every one of the 16 largest evaluated on 65,536 tokens spread over the validation split. "
      "A row per subnet of the exhaustive search, best first; *default pick*: the entry the default search wrote.", ""]
md, summary = [], []
for entry, (best, finalists) in exhaustive.items():
    pick = default.get(entry, ("?", []))[0]
    ranked = sorted(finalists, key=lambda f: f[3])
    rank = next((i + 1 for i, f in enumerate(ranked) if f[0] == pick), None)
    best_ppl = ranked[0][3]
    pick_ppl = next((f[3] for f in ranked if f[0] == pick), None)
    md += [f"## {entry}", "",
           "| rank | subnet | parameters | proxy loss | perplexity (65,536 tokens) | vs best | |",
           "|---|---|---|---|---|---|---|"]
    for i, (name, params, proxy, ppl) in enumerate(ranked):
        md.append(f"| {i + 1} | {name} | {params:,} | {proxy:.4f} | {ppl:.2f} | {100 * (ppl / best_ppl - 1):+.1f}% | "
                  f"{'default pick' if name == pick else ''} |")
    md.append("")
    if rank is None:
        summary.append(f"- {entry}: the default search's pick `{pick}` is not among the 16 largest")
    elif rank == 1:
        summary.append(f"- {entry}: the default search's pick `{pick}` is the best of the {len(ranked)}")
    else:
        summary.append(f"- {entry}: the default search's pick `{pick}` ranks {rank} of {len(ranked)}, "
                       f"{100 * (pick_ppl / best_ppl - 1):+.1f}% perplexity against the best, `{ranked[0][0]}`")
open("experiments/results/palette_best_at_size.md", "w").write("\n".join(header + summary + [""] + md) + "\n")
