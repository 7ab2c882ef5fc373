#!/usr/bin/env python3
"""Report of experiments/probe_stability.sh: per build, how far its probes' decode predictions spread."""
import glob
import json
import os
import statistics
import subprocess
import sys
from collections import defaultdict

from report_common import cpu_name, short_commit, utc_date

run_dir, a_bin, b_bin, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
out = os.environ["OUT"]
entries = os.environ["ENTRIES"].split()
labels = {"a": os.environ.get("A_LABEL", a_bin), "b": os.environ.get("B_LABEL", b_bin)}

predictions = defaultdict(list)  # (build, threads, context, format, entry) -> decode ms, one per profile
shares = defaultdict(dict)  # (build, threads) -> {profile: fp32 prefix read share}, from `device compare --json`
for line in open(f"{run_dir}/predictions.jsonl"):
    r = json.loads(line)
    for e in r["entries"]:
        if e["entry"] in entries:
            key = (r["build"], r["threads"], r["context"], r["format"], e["entry"])
            predictions[key] += [d["decode_ms"] for d in e["devices"]]
    for profile in r.get("profiles", []):  # runs before 2026-12-08 have none
        shares[(r["build"], r["threads"])][profile["profile"]] = profile["fp32_prefix_read_share"]


def spread(values):
    return max(values) / min(values) - 1


cases = sorted({k[1:] for k in predictions}, key=lambda k: (k[0], k[1], ["fp32", "w8a8", "ternary"].index(k[2]),
                                                            entries.index(k[3])))
summary = []
for build in "ab":
    for threads in (1, 2):
        s = [spread(predictions[(build, *c)]) for c in cases if c[0] == threads]
        summary.append(f"- build {build} ({labels[build]}), {threads} thread(s): slowest / fastest prediction - 1, "
                       f"median over the {len(s)} cases **{100 * statistics.median(s):.1f}%**, worst "
                       f"**{100 * max(s):.1f}%**")
caches = defaultdict(list)
for path in sorted(glob.glob(f"{run_dir}/profile-*.json")):
    build, threads = os.path.basename(path).split("-")[1:3]
    caches[(build, threads)].append(f"{json.load(open(path))['caches']['measured'] / 2**20:g}")
table = ["| threads | context | format | entry | " + " | ".join(
             f"{labels[b]}: predicted ms ({rounds} probes) | spread" for b in "ab") + " |",
         "|---|---|---|---|" + "---|---|" * 2]
for c in cases:
    row = f"| {c[0]} | {c[1]} | {c[2]} | {c[3]} |"
    for b in "ab":
        v = predictions[(b, *c)]
        row += f" {', '.join(f'{x:.2f}' for x in v)} | {100 * spread(v):.1f}% |"
    table.append(row)

commit = short_commit()
cpu = cpu_name()
date = utc_date()
md = [
    "# Device probes: how far one machine's profiles move between probes",
    "",
    f"Machine: {cpu}, 2 cores (shared), Debian 12. {date}, commit {commit}. Command: `ROUNDS={rounds} "
    f"ENTRIES=\"{' '.join(entries)}\" OUT={out} A_LABEL=\"{labels['a']}\" B_LABEL=\"{labels['b']}\" "
    f"experiments/probe_stability.sh {run_dir} A_BIN_DIR B_BIN_DIR` (builds: a = {labels['a']}, b = {labels['b']}; "
    f"report: `experiments/probe_stability_report.py`). Raw lines: `{os.path.basename(out)}.jsonl`.",
    "",
    f"Each of {rounds} rounds probes the machine (`elastiq device probe`, default grid) at 1 and at 2 threads with "
    "each build in turn; every profile then predicts the decode time per token of the random-weight "
    "MobileLLM-125M palette's entries (`device compare --format F --context C`, the same build for all). "
    "Spread: slowest / fastest prediction of a build's profiles - 1, per case.",
    "",
] + summary + [
    "",
    "Caches the profiles measured (MiB, in probe order): " + "; ".join(
        f"{labels[b]} {t}: {', '.join(v)}" for (b, t), v in sorted(caches.items())) + ".",
    "",
] + ([
    "fp32 prefix views' read share (PrefixReadShare: what share of the skipped bytes reading a prefix view costs "
    "anyway; min / median / max over the probes, then each in probe order): " + "; ".join(
        f"{labels[b]} {t} thread(s): {100 * min(v.values()):.0f}% / {100 * statistics.median(v.values()):.0f}% / "
        f"{100 * max(v.values()):.0f}% ({', '.join(f'{100 * x:.0f}%' for _, x in sorted(v.items()))})"
        for (b, t), v in sorted(shares.items())) + ".",
    "",
] if shares else []) + table
open(out + ".md", "w").write("\n".join(md) + "\n")
subprocess.run(["cp", f"{run_dir}/predictions.jsonl", out + ".jsonl"], check=True)
print("\n".join(summary))
