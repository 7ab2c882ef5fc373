#!/usr/bin/env python3
"""The measured cache size, two rules, on the bandwidth sweeps profiles recorded: the largest working set
read at least sqrt(fastest x memory) bytes/s (the rule before 2026-12-07) and where the sweep falls
through that speed, interpolated in log size (calibration.cc's CacheBytesFromSweep since). Prints a
markdown table per profile and each rule's spread (largest / smallest) per thread count.
With --rewrite RUN_DIR OUT_DIR: RUN_DIR's profiles with the crossing as their measured cache, and its
accuracy.jsonl pointing at them, into OUT_DIR (for latency_replay.py: what the rule does to the predictions).
Usage: cache_rule_replay.py PROFILE.json...  |  cache_rule_replay.py --rewrite RUN_DIR OUT_DIR"""
import glob
import os
import json
import math
import sys
from collections import defaultdict

MIB = 1 << 20


def threshold(rates, memory):
    return math.sqrt(max(rates) * memory)


def largest_at_threshold(sizes, rates, memory):
    t = threshold(rates, memory)
    return max((s for s, r in zip(sizes, rates) if r >= t), default=0)


def crossing(sizes, rates, memory):
    t = threshold(rates, memory)
    last = max((i for i, r in enumerate(rates) if r >= t), default=None)
    if last is None:
        return 0
    if last + 1 == len(sizes):
        return sizes[last]
    fraction = (rates[last] - t) / (rates[last] - rates[last + 1])
    return sizes[last] * (sizes[last + 1] / sizes[last]) ** fraction


def rewrite(run_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for path in glob.glob(f"{run_dir}/profile-*.json"):
        p = json.load(open(path))
        sweep = p["bandwidth_sweep"]
        p["caches"]["measured"] = int(crossing(sweep["bytes"], sweep["bytes_per_s"], p["bandwidth_bytes_per_s"]))
        json.dump(p, open(f"{out_dir}/{os.path.basename(path)}", "w"))
    with open(f"{out_dir}/accuracy.jsonl", "w") as out:
        for line in open(f"{run_dir}/accuracy.jsonl"):
            r = json.loads(line)
            r["device"] = f"{out_dir}/{os.path.basename(r['device'])}"
            out.write(json.dumps(r) + "\n")


if sys.argv[1] == "--rewrite":
    rewrite(sys.argv[2], sys.argv[3])
    sys.exit(0)
by_threads = defaultdict(lambda: ([], []))
print("| profile | threads | memory GB/s | threshold GB/s | 16 / 32 / 64 MiB read GB/s | largest at threshold | crossing |")
print("|---|---|---|---|---|---|---|")
for path in sys.argv[1:]:
    p = json.load(open(path))
    sizes, rates = p["bandwidth_sweep"]["bytes"], p["bandwidth_sweep"]["bytes_per_s"]
    memory = p["bandwidth_bytes_per_s"]
    old, new = largest_at_threshold(sizes, rates, memory), crossing(sizes, rates, memory)
    by_threads[p["threads"]][0].append(old)
    by_threads[p["threads"]][1].append(new)
    reads = " / ".join(f"{rates[sizes.index(s * MIB)] / 1e9:.0f}" for s in (16, 32, 64) if s * MIB in sizes)
    print(f"| {path} | {p['threads']} | {memory / 1e9:.1f} | {threshold(rates, memory) / 1e9:.1f} | {reads} | "
          f"{old / MIB:.0f} MiB | {new / MIB:.1f} MiB |")
print()
for threads, (old, new) in sorted(by_threads.items()):
    print(f"- {threads} thread(s), {len(old)} profiles: largest at threshold {min(old) / MIB:.0f}-{max(old) / MIB:.0f} MiB "
          f"(largest / smallest {max(old) / min(old):.2f}); crossing {min(new) / MIB:.1f}-{max(new) / MIB:.1f} MiB "
          f"({max(new) / min(new):.2f})")
