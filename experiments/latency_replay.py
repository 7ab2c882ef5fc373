#!/usr/bin/env python3
"""Replays recorded bench runs (experiments/device_palettes.sh's *_accuracy.jsonl) against the latency model
this build has: each line's decode step predicted again from the same device profile (`elastiq device
compare --json`, at the mean context bench decoded at), beside the prediction recorded with the run. Tells
what a change of the model does to runs already measured; a fresh run is the test of it (the replayed runs
are the ones the change was made from). Needs the runs' profiles and palettes (the lines' "device" and
"palette" paths). Given several runs, also pools them: each case's median over every round of every run
(each round predicted from its own probe), to tell the model's error from the machine's drift between rounds.
Usage: latency_replay.py OUT.md ACCURACY.jsonl [ACCURACY.jsonl ...]"""
import json
import os
import statistics
import subprocess
import sys
from collections import defaultdict

from report_common import cpu_name, short_commit, utc_date

ELASTIQ = f"{os.environ.get('ELASTIQ_BIN_DIR', 'build/tools')}/elastiq"


def predicted_now(profile, palette, fmt, kv_cache, context):
    """({entry: decode ms} the current model predicts on `profile` at `context` keys, the profile's fp32 prefix
    read share)."""
    out = subprocess.run([ELASTIQ, "device", "compare", profile, "--palette", palette, "--format", fmt,
                          "--kv-cache", kv_cache, "--context", str(context), "--json"],
                         capture_output=True, text=True, check=True).stdout
    r = json.loads(out)
    return {e["entry"]: e["devices"][0]["decode_ms"] for e in r["entries"]}, r["profiles"][0]["fp32_prefix_read_share"]


def case_errors(path, cache, cases):
    """Appends each of `path`'s runs to its case (threads, context, format, entry) in `cases`: decode's
    predicted / measured - 1 as recorded and now, and prefill's as recorded (measured tokens/s over
    predicted - 1). `cache` keeps the predictions asked for."""
    for r in (json.loads(l) for l in open(path) if l.strip()):
        keys = r["prompt_tokens"] + (r["decode_tokens"] + 1) // 2  # bench's query (tools/command_runtime.cc)
        query = (r["device"], r["palette"], r["format"], r["kv_cache"], keys)
        if query not in cache:
            cache[query] = predicted_now(*query)
        case = cases[(r["threads"], r["context"], r["format"], r["subnet"])]
        case[0].append(r["predicted_decode_ms_per_token"] / r["decode_ms_per_token"] - 1)
        case[1].append(cache[query][0][r["subnet"]] / r["decode_ms_per_token"] - 1)
        case[2].append(r["prefill_tokens_per_s"] / r["predicted_prefill_tokens_per_s"] - 1)


def new_cases():
    return defaultdict(lambda: ([], [], []))


def medians(cases):
    """Per case, the median over its rounds of each error."""
    return {k: tuple(statistics.median(e) for e in v) for k, v in cases.items()}


def summary(errors):
    a = sorted(abs(e) for e in errors)
    return (f"median |error| {100 * statistics.median(a):.1f}%, worst {100 * a[-1]:.1f}%, "
            f"{sum(e <= 0.2 for e in a)}/{len(a)} within 20%")


def by_group(cases, which):
    groups = defaultdict(list)
    for (threads, _, fmt, _), errs in cases.items():
        groups[(fmt, threads)].append(errs[which])
    return ", ".join(f"{fmt} t{threads} {100 * statistics.median(v):+.1f}%" for (fmt, threads), v in sorted(groups.items()))


def replayed_profiles(paths):
    """{profile path: its JSON} for every profile the lines name, in path order."""
    names = sorted({json.loads(l)["device"] for path in paths for l in open(path) if l.strip()})
    return {name: json.load(open(name)) for name in names}


def sweep_rows(profiles, shares):
    """Each replayed profile's read-bandwidth sweep at 16-256 MiB over its rate at the largest size (the cold
    arena): how much faster than memory the caches still make those reads; and its fp32 prefix read share
    (`shares`: {profile: share})."""
    sizes = [16, 32, 64, 128, 256]
    rows = ["| profile | threads | measured cache | " + " | ".join(f"{m} MiB" for m in sizes) + " | fp32 prefix share |",
            "|---|---|---|" + "---|" * len(sizes) + "---|"]
    for path, p in profiles.items():
        rate = dict(zip(p["bandwidth_sweep"]["bytes"], p["bandwidth_sweep"]["bytes_per_s"]))
        last = rate[max(rate)]
        cells = [f"{rate[m << 20] / last:.2f}x" if (m << 20) in rate else "-" for m in sizes]
        rows.append(f"| {path} | {p['threads']} | {p['caches']['measured'] >> 20} MiB | " + " | ".join(cells) +
                    f" | {100 * shares[path]:.0f}% |")
    return rows


def table_name(t):
    if "format" in t:
        prefix = "/prefix" if t.get("stored_width_ratio", 1) > 1 else ""
        return f"{t['format']} {t['tokens']}t {'cold' if t['cold'] else 'warm'}{prefix}"
    return f"attn {t['kv_cache']} {'cold' if t['cold'] else 'warm'}"


def table_ratios(profiles):
    """Each profile's tables against the other probes at its thread count: {threads: (table names, {profile:
    per table, the median over its points of seconds / the median of all those probes at that point})} (a
    probe in a slow spell reads > 1 throughout)."""
    ratios = {}
    for threads in sorted({p["threads"] for p in profiles.values()}):
        group = [path for path, p in profiles.items() if p["threads"] == threads]
        tables = [profiles[path]["linear"] + profiles[path]["attention"] for path in group]
        names = [table_name(t) for t in tables[0]]
        medians = [[statistics.median(point) for point in zip(*(probe[i]["seconds"] for probe in tables))]
                   for i in range(len(names))]  # per table, per point: the median over the probes
        ratios[threads] = (names, {path: [statistics.median(s / m for s, m in zip(t["seconds"], medians[i]))
                                          for i, t in enumerate(mine)] for path, mine in zip(group, tables)})
    return ratios


def table_rows(profiles):
    """table_ratios as markdown tables, one per thread count."""
    rows = []
    for threads, (names, by_profile) in table_ratios(profiles).items():
        rows += [f"| {threads} threads | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        rows += [f"| {path} | " + " | ".join(f"{r:.2f}" for r in ratios) + " |" for path, ratios in by_profile.items()]
        rows.append("")
    return rows


def worst_rows(pooled, per_run, count=6):
    """The `count` cases the pooled medians miss most, decode (now) and prefill each, with each run's own median
    beside the pooled one: a case off the same way in every run is the model's; one that changes sign, the machine's."""
    rows = ["| measure | threads | context | format | entry | pooled | " +
            " | ".join(f"run {i + 1}" for i in range(len(per_run))) + " |", "|---|---|---|---|---|---|" + "---|" * len(per_run)]
    for name, which in (("decode", 1), ("prefill", 2)):
        for key in sorted(pooled, key=lambda k: -abs(pooled[k][which]))[:count]:
            cells = [f"{100 * run[key][which]:+.1f}%" if key in run else "-" for run in per_run]
            rows.append(f"| {name} | {' | '.join(str(k) for k in key)} | {100 * pooled[key][which]:+.1f}% | " +
                        " | ".join(cells) + " |")
    return rows


def main():
    out, paths = sys.argv[1], sys.argv[2:]
    md = ["# The latency model replayed on recorded runs", "",
          f"Machine: {cpu_name()}. Commit {short_commit()}, {utc_date()}. "
          f"Command: `python3 experiments/latency_replay.py {' '.join(sys.argv[1:])}`.", "",
          "Decode step per token, predicted / measured - 1, median over a case's rounds (cases: threads, context, "
          "format, entry). *Recorded*: the model the run was made with; *now*: this commit's model on the same "
          "profiles. The replayed runs are the ones a change was made from: a fresh run tests it.", ""]
    cache, pooled, per_run = {}, new_cases(), []
    for path in paths:
        run = new_cases()
        case_errors(path, cache, run)
        for key, errors in run.items():
            for into, e in zip(pooled[key], errors):
                into.extend(e)
        cases = medians(run)
        per_run.append(cases)
        md += [f"## {path} ({len(cases)} cases)", "",
               f"- recorded: {summary([e[0] for e in cases.values()])}",
               f"- now: {summary([e[1] for e in cases.values()])}",
               f"- median signed error by format and threads, recorded: {by_group(cases, 0)}",
               f"- now: {by_group(cases, 1)}", "",
               "| threads | context | format | entry | recorded | now |", "|---|---|---|---|---|---|"]
        md += [f"| {t} | {c} | {f} | {e} | {100 * r:+.1f}% | {100 * n:+.1f}% |"
               for (t, c, f, e), (r, n, _) in sorted(cases.items())]
        md.append("")
    if len(paths) > 1:
        rounds = {len(v[0]) for v in pooled.values()}
        cases = medians(pooled)
        md += [f"## All {len(paths)} runs pooled ({len(cases)} cases, each the median over its "
               f"{'/'.join(str(r) for r in sorted(rounds))} rounds of every run; each round predicted from its own probe)", "",
               f"- decode, recorded: {summary([e[0] for e in cases.values()])}",
               f"- decode, now: {summary([e[1] for e in cases.values()])}",
               f"- prefill, recorded: {summary([e[2] for e in cases.values()])}", "",
               "The cases the pooled medians miss most, with each run's own median (runs in the order above):", ""]
        md += worst_rows(cases, per_run) + ["", "Every case pooled:", "",
                                            "| threads | context | format | entry | decode (now) | prefill |",
                                            "|---|---|---|---|---|---|"]
        md += [f"| {t} | {c} | {f} | {e} | {100 * n:+.1f}% | {100 * pf:+.1f}% |"
               for (t, c, f, e), (_, n, pf) in sorted(cases.items())] + [""]
    md += ["## The profiles' read-bandwidth sweeps and prefix shares", "",
           "Read rate at each size over the rate at the sweep's largest size (the cold arena, 512 MiB here); the share "
           "of an fp32 prefix view's skipped bytes reading it costs anyway (PrefixReadShare).", ""]
    profiles = replayed_profiles(paths)
    md += sweep_rows(profiles, {query[0]: share for query, (_, share) in cache.items()})
    md += ["", "## The profiles' tables against the other probes", "",
           "Per table, the median over its points of the probe's time / the median of all the probes above at "
           "the same thread count.", ""]
    md += table_rows(profiles)
    with open(out + ".tmp", "w") as f:
        f.write("\n".join(md))
    os.replace(out + ".tmp", out)
    print("\n".join(l for l in md if l.startswith("- ")))


if __name__ == "__main__":
    main()
