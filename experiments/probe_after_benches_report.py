#!/usr/bin/env python3
"""Report of experiments/probe_after_benches.sh: each probe's tables against the others (latency_replay.py's
table_ratios), and per format benched before the probes, the median of their ratios on each attention table.
Usage: probe_after_benches_report.py OUT.md COMMAND PROFILE.json [PROFILE.json ...]"""
import json
import os
import statistics
import sys
from collections import defaultdict

from latency_replay import table_ratios, table_rows
from report_common import cpu_name, short_commit, utc_date


def main():
    out, command, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    profiles = {path: json.load(open(path)) for path in paths}
    ratios = defaultdict(lambda: defaultdict(list))  # format before -> table -> ratios
    for names, by_profile in table_ratios(profiles).values():
        for path, probe in by_profile.items():
            before = os.path.basename(path).rsplit("-after-", 1)[1].removesuffix(".json")
            for name, ratio in zip(names, probe):
                ratios[before][name].append(ratio)
    summary = [f"- after the {before} benches ({len(next(iter(t.values())))} probes): " + ", ".join(
        f"{name} {statistics.median(v):.2f}x ({min(v):.2f}-{max(v):.2f})" for name, v in t.items()
        if name.startswith("attn")) for before, t in ratios.items()]
    md = ["# Does what ran before a probe move its readings?", "",
          f"Machine: {cpu_name()}, 2 cores (shared), Debian 12. {utc_date()}, commit {short_commit()}. "
          f"Command: `{command}` (report: `experiments/probe_after_benches_report.py`).", "",
          "Each probe's tables against the others: per table, the median over its points of the probe's time / the "
          "median of all the probes at that point. Per format benched just before the probe, the attention tables' "
          "ratios (median, range):", ""] + summary + ["", ""] + table_rows(profiles)
    with open(out + ".tmp", "w") as f:
        f.write("\n".join(md) + "\n")
    os.replace(out + ".tmp", out)
    print("\n".join(summary))


if __name__ == "__main__":
    main()
