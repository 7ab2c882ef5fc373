#!/usr/bin/env python3
"""One JSON line from a fork-mode libFuzzer log: executions, exec/s, coverage (cov/ft), corpus size,
crashes that are elastiq's and crashes inside upstream libraries.
   fuzz_summary.py HARNESS LOG WALL_SECONDS EXIT_CODE OUR_CRASHES UPSTREAM_CRASHES"""
import json
import re
import sys

harness, log, wall, rc, ours, upstream = sys.argv[1:7]
text = open(log, errors="replace").read()
progress = re.findall(r"^#(\d+): cov: (\d+) ft: (\d+) corp: (\d+) exec/s (\d+)", text, re.M)
last = progress[-1] if progress else ("0",) * 5
print(json.dumps({
    "harness": harness,
    "executions": int(last[0]),
    "exec_per_s": int(last[4]),
    "wall_s": float(wall),
    "cov": int(last[1]),
    "ft": int(last[2]),
    "corpus": int(last[3]),
    "crashes_ours": int(ours),
    "crashes_upstream": int(upstream),
    "exit": int(rc),
}))
