#!/usr/bin/env python3
"""Turns experiments/memory_bench.sh's raw log into experiments/results/memory.md (medians)."""
import re
import statistics
import subprocess
import sys
from collections import defaultdict

raw_path, repeats, out_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
UNITS = {"KiB": 1 / 1024, "MiB": 1.0, "GiB": 1024.0}


def mib(text):
    value, unit = text.split()
    return float(value) * UNITS[unit]


footprint = defaultdict(list)  # (format, entry) -> [(measured model RSS, predicted, VmRSS, before)]
switches = defaultdict(list)   # (format, from, to) -> [(switch ms, re-prefill ms, unmap ms, cache drop ms, rss after)]
baseline = defaultdict(list)   # format -> VmRSS before the first entry
section = None
pending, give_backs = [], []  # one switches run: its switch lines, then its give-back lines
for line in open(raw_path):
    line = line.strip()
    if line.startswith("###"):
        section = line.split()[1:]
        pending, give_backs = [], []
        continue
    if section[0] == "footprint":
        m = re.search(r"VmRSS ([\d.]+ \w+) \(([\d.]+ \w+) before the first entry; predicted footprint ([\d.]+ \w+)\)", line)
        rss, before, predicted = (mib(g) for g in m.groups())
        footprint[(section[1], section[2])].append((rss - before, predicted, rss, before))
        baseline[section[1]].append(before)
    elif "switch at" in line:
        m = re.search(r": (\S+) -> (\S+) \(.*\): switch ([\d.]+) ms \+ re-prefill ([\d.]+) ms", line)
        if m.group(1) != "(none)":
            pending.append((section[1], m.group(1), m.group(2), float(m.group(3)), float(m.group(4))))
    elif "given back in the background" in line:
        m = re.search(r"unmapped in ([\d.]+) ms, dropped from the page cache in ([\d.]+) ms, VmRSS then ([\d.]+ \w+)", line)
        give_backs.append((float(m.group(1)), float(m.group(2)), mib(m.group(3))))
        if len(give_backs) > 1:  # the first follows the first feed; the k-th, switch k-1
            fmt, a, b, switch_ms, reprefill_ms = pending[len(give_backs) - 2]
            switches[(fmt, a, b)].append((switch_ms, reprefill_ms) + give_backs[-1])

med = statistics.median
cpu = "2-core Zen 4 (lscpu: " + subprocess.run("lscpu | sed -n 's/^Model name: *//p'", shell=True, capture_output=True, text=True).stdout.strip() + ")"
kernel = subprocess.run(["uname", "-r"], capture_output=True, text=True).stdout.strip()
out = ["# Memory-aware running: footprint, switching, memory given back", "",
       f"Produced by `experiments/memory_bench.sh {repeats}` (raw log: `runs/memory/memory_raw.txt`); medians of {repeats} runs.",
       f"Machine: {cpu}, 24 GiB, Debian 12, kernel {kernel}; shared with other jobs (noisy).",
       "Model: random-weight MobileLLM-125M palette, `elastiq init --config experiments/configs/mobilellm-125m.json --random "
       "--sizes 0.5 0.25` then `elastiq quantize` to w8a8 and ternary; entries maxnet (124.6M parameters), p50 (62.3M), p25 (31.1M).",
       "Runs: `elastiq run --palette runs/memory/m125.h5 --context 256 --prompt-ids <192 ids> --temperature 0 --threads 2 "
       "--format F --subnet E --max-tokens 63` (the context filled to 255 tokens), the file in the page cache at start.", "",
       "## Predicted footprint vs measured resident memory", "",
       "Measured = VmRSS at the end minus VmRSS before the first entry (the process itself: binary, libraries, HDF5).",
       "Target: within 10%.", "",
       "| format | entry | predicted MiB | measured MiB | error | VmRSS MiB (before the entry) |", "|---|---|---|---|---|---|"]
for (fmt, entry), rows in sorted(footprint.items()):
    measured, predicted = med(r[0] for r in rows), med(r[1] for r in rows)
    out.append(f"| {fmt} | {entry} | {predicted:.1f} | {measured:.1f} | {100 * (measured - predicted) / predicted:+.1f}% | "
               f"{med(r[2] for r in rows):.1f} ({med(r[3] for r in rows):.1f}) |")
out += ["", "## Switch latency", "",
        "`--switch-at 8:p25,24:maxnet,40:p50,56:maxnet` (prompt 192 tokens, so 200-248 tokens are re-prefilled in chunks of 64).",
        "switch = freeing the old engine and building the new one (plus prefetching the new pages going up); re-prefill =",
        "feeding the context to the new entry. After the re-prefill the pages the new entry does not read are given back on a",
        "background thread while generation goes on: unmapped (the resident memory drops), then dropped from the page cache.",
        "Going up re-reads from the file the pages the switch down dropped from the page cache. Target: a switch down at",
        "most 5 ms without the re-prefill.", "",
        "| format | switch | direction | switch ms | re-prefill ms | total ms | background: unmap ms | page-cache drop ms |",
        "|---|---|---|---|---|---|---|---|"]
sizes = {"maxnet": 3, "p50": 2, "p25": 1}
for (fmt, a, b), rows in sorted(switches.items()):
    s, p = med(r[0] for r in rows), med(r[1] for r in rows)
    out.append(f"| {fmt} | {a} -> {b} | {'down' if sizes[b] < sizes[a] else 'up'} | {s:.2f} | {p:.1f} | {med(r[0] + r[1] for r in rows):.1f} | "
               f"{med(r[2] for r in rows):.2f} | {med(r[3] for r in rows):.2f} |")
out += ["", "## Resident memory after switching down from the largest entry", "",
        "VmRSS once the pages were given back after the switch (re-prefill done) minus the process's VmRSS before the first",
        "entry, over the smaller entry's predicted footprint. Target: at most 1.15.", "",
        "| format | switch | model RSS after MiB | smaller entry's footprint MiB | ratio |", "|---|---|---|---|---|"]
for (fmt, a, b), rows in sorted(switches.items()):
    if a != "maxnet":
        continue
    after = med(r[4] for r in rows) - med(baseline[fmt])
    predicted = med(r[1] for r in footprint[(fmt, b)])
    out.append(f"| {fmt} | {a} -> {b} | {after:.1f} | {predicted:.1f} | {after / predicted:.2f} |")
open(out_path, "w").write("\n".join(out) + "\n")
print("\n".join(out))
