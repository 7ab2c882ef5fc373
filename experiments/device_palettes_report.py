#!/usr/bin/env python3
"""experiments/device_palettes.sh's runs -> experiments/results/device_palettes.md (+ the raw JSON lines and a PNG).
Usage: device_palettes_report.py RUN_DIR ROUNDS "BUDGETS" SIZES_PALETTE
Environment: ENTRIES, REPEATS, PROBE_EACH (as the run had them); A_ONLY=1 (part A alone), OUT (the report's path
without .md; default experiments/results/device_palettes)."""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict

from report_common import cpu_name, short_commit, utc_date

run_dir, rounds, budgets, sizes_palette = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4]
out = os.environ.get("OUT", "experiments/results/device_palettes")
ENTRIES = os.environ.get("ENTRIES", "maxnet p80 p65 p50 p40 p30 p25").split()
REPEATS = os.environ.get("REPEATS", "5")
PROBE_EACH = os.environ.get("PROBE_EACH", "threads")
A_ONLY = os.environ.get("A_ONLY") == "1"
FORMATS = ["fp32", "w8a8", "ternary"]


def lines(path):
    return [json.loads(l) for l in open(path) if l.strip()]


def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()


def inspect(path):
    return json.loads(sh(f"{os.environ.get('ELASTIQ_BIN_DIR', 'build/tools')}/elastiq inspect --json {path}"))


# --- A: predicted vs measured ---
acc = lines(f"{run_dir}/accuracy.jsonl")
cases = defaultdict(list)
for r in acc:
    cases[(r["threads"], r["context"], r["format"], r["subnet"])].append(r)


def err(rows, predicted, measured, invert=False):
    """Median over rounds of predicted/measured - 1 (times: decode ms; prefill: tokens/s inverted to time)."""
    e = [(r[measured] / r[predicted] if invert else r[predicted] / r[measured]) - 1 for r in rows]
    return statistics.median(e)


table, decode_errors, prefill_errors = [], [], []
for threads in (1, 2):
    for context in (128, 1024):
        for fmt in FORMATS:
            for entry in ENTRIES:
                rows = cases.get((threads, context, fmt, entry))
                if not rows:
                    continue
                d = err(rows, "predicted_decode_ms_per_token", "decode_ms_per_token")
                p = err(rows, "predicted_prefill_tokens_per_s", "prefill_tokens_per_s", invert=True)
                decode_errors.append(abs(d))
                prefill_errors.append(abs(p))
                med = lambda k: statistics.median(r[k] for r in rows)
                table.append(
                    f"| {threads} | {context} | {fmt} | {entry} | {rows[0]['params'] / 1e6:.1f}M | "
                    f"{med('decode_ms_per_token'):.3f} | {med('predicted_decode_ms_per_token'):.3f} | {100 * d:+.1f}% | "
                    f"{1e3 / med('prefill_tokens_per_s'):.3f} | {1e3 / med('predicted_prefill_tokens_per_s'):.3f} | "
                    f"{100 * p:+.1f}% | {rows[0]['predicted_cold_share']:.2f} | "
                    f"{med('bandwidth_bytes_per_s') / 1e9:.1f} |")


def probe_drift():
    """PROBE_EACH=format: how far a round's three probes (minutes apart) and all the rounds' probes disagree
    about the same entry's decode time (`device compare`, 128 keys, each format's predictions)."""
    if PROBE_EACH != "format":
        return []
    out = ["", "How far the probes themselves moved (each profile's predicted decode time of every entry in every format, "
           "`device compare --context 128`; largest / smallest - 1 per entry and format):", ""]
    binary = f"{os.environ.get('ELASTIQ_BIN_DIR', 'build/tools')}/elastiq"
    for threads in (1, 2):
        names = [f"{run_dir}/profile-t{threads}-r{r}-{f}.json" for r in range(1, rounds + 1) for f in FORMATS]
        if not all(os.path.exists(n) for n in names):
            continue
        within, across = [], []
        for fmt in FORMATS:
            table = json.loads(sh(f"{binary} device compare {' '.join(names)} --palette {run_dir}/m125.h5 "
                                  f"--format {fmt} --context 128 --json"))
            for e in table["entries"]:
                ms = [d["decode_ms"] for d in e["devices"]]
                across.append(max(ms) / min(ms) - 1)
                for r in range(rounds):
                    group = ms[len(FORMATS) * r:len(FORMATS) * (r + 1)]
                    within.append(max(group) / min(group) - 1)
        out.append(f"- {threads} thread(s): one round's {len(FORMATS)} probes (minutes apart) median "
                   f"{100 * statistics.median(within):.1f}%, largest {100 * max(within):.1f}%; all {len(names)} probes "
                   f"median {100 * statistics.median(across):.1f}%, largest {100 * max(across):.1f}%")
    return out


def summary(name, errors):
    if not errors:
        return f"- {name}: no runs"
    return (f"- {name}: median |error| **{100 * statistics.median(errors):.1f}%**, worst **{100 * max(errors):.1f}%**, "
            f"{sum(e <= 0.10 for e in errors)}/{len(errors)} within 10%, {sum(e <= 0.20 for e in errors)}/{len(errors)} "
            f"within 20%")


by_group = defaultdict(lambda: ([], []))
for key, rows in cases.items():
    threads, context, fmt, _ = key
    g = by_group[(fmt, threads)]
    g[0].append(abs(err(rows, "predicted_decode_ms_per_token", "decode_ms_per_token")))
    g[1].append(abs(err(rows, "predicted_prefill_tokens_per_s", "prefill_tokens_per_s", invert=True)))


def by_round():
    """Each round's decode errors at each thread count (a probe in a slow spell moves its whole round), then
    the single runs, and how far a case's measured time moved between the rounds."""
    out, spread = [], []
    decode_error = lambda r: r["predicted_decode_ms_per_token"] / r["decode_ms_per_token"] - 1
    for threads in (1, 2):
        for round_ in range(1, rounds + 1):
            e = [decode_error(r) for r in acc if r["threads"] == threads and r["round"] == round_]
            if e:
                out.append(f"- round {round_}, {threads} thread(s): decode median error {100 * statistics.median(e):+.1f}%, "
                           f"median |error| {100 * statistics.median(abs(x) for x in e):.1f}%, worst {100 * max(abs(x) for x in e):.1f}%")
    single = [abs(decode_error(r)) for r in acc]
    for rows in cases.values():
        times = [r["decode_ms_per_token"] for r in rows]
        spread.append(max(times) / min(times) - 1)
    out.append(f"- single runs (each round's own prediction): decode median |error| {100 * statistics.median(single):.1f}%, "
               f"{sum(e <= 0.2 for e in single)}/{len(single)} within 20%, worst {100 * max(single):.1f}%")
    out.append(f"- a case's measured decode time, slowest / fastest round - 1: median {100 * statistics.median(spread):.1f}%, "
               f"largest {100 * max(spread):.1f}%")
    return out


def prefix_reads():
    """The probes' fp32 prefix tables: the share `device probe` printed, and prefix / contiguous time per column width."""
    lines_out, ratios = [], defaultdict(lambda: defaultdict(list))  # threads -> cols -> ratios
    for threads in (1, 2):
        shares = []
        names = [f"t{threads}-r{r}{suffix}" for r in range(1, rounds + 1) for suffix in [""] + [f"-{f}" for f in FORMATS]]
        for name in names:  # each round's probe, or each format block's (PROBE_EACH=format)
            printed = f"{run_dir}/probe-{name}.txt"
            if not os.path.exists(printed):
                continue
            shares += [l.split("cost ")[1].split("%")[0] + "%" for l in open(printed) if "prefix views" in l]
            p = json.load(open(f"{run_dir}/profile-{name}.json"))
            tables = {(t["tokens"], t["cold"], t.get("stored_width_ratio", 1)): t for t in p["linear"]
                      if t["format"] == "fp32"}
            prefix, contiguous = tables.get((1, True, 2)), tables[(1, True, 1)]
            for i, rows in enumerate(prefix["rows"] if prefix else []):
                for j, cols in enumerate(prefix["cols"]):
                    at = contiguous["rows"].index(rows) * len(contiguous["cols"]) + contiguous["cols"].index(cols)
                    ratios[threads][cols].append(prefix["seconds"][i * len(prefix["cols"]) + j] / contiguous["seconds"][at])
        if shares:
            by_cols = ", ".join(f"{c}: {statistics.median(v):.2f}x ({min(v):.2f}-{max(v):.2f})"
                                for c, v in sorted(ratios[threads].items()))
            lines_out.append(f"- {threads} thread(s): share of the skipped bytes' read time (each round's probe) "
                             f"{', '.join(shares)}; prefix / contiguous time by columns read, median over rows and "
                             f"rounds (range): {by_cols}")
    if not lines_out:
        return []
    return ["", "fp32 prefix views (each row the first half of a row twice as wide, as an fp32 subnet narrower than "
            "the maxnet reads; `device probe`'s prefix table, cold, 1 token):", ""] + lines_out


def watch_minutes():
    """The minutes B's two probes watched decode steps (device_palettes.sh's WATCH_MINUTES)."""
    return open(f"{run_dir}/watch_minutes.txt").read().strip()


# --- B: two configurations, same budgets ---
def part_b():
    """B's section of the report (its runs: palettes, budgets.jsonl, evals.jsonl, sizes-on-*.json)."""
    # The two configurations, e.g. "avx512-t2 avx2-t1" (the default ISA at 2 threads, a slower one at 1).
    fast, slow = open(f"{run_dir}/configs.txt").read().split()
    palettes = {c: inspect(f"{run_dir}/palette-{c}.h5")["palette"] for c in (fast, slow)}
    supernet = os.environ.get("SUPERNET", "runs/quickstart/supernet.h5")
    maxnet_params = max(e["params"] for e in inspect(sizes_palette)["palette"])
    measured = defaultdict(list)  # (config, entry) -> decode ms per token, one per round
    for r in lines(f"{run_dir}/budgets.jsonl"):
        measured[(r["config"], r["subnet"])].append(r["decode_ms_per_token"])
    budget_rounds = max(len(v) for v in measured.values())
    watch = watch_minutes()
    margins = []
    for c in (fast, slow):
        p = json.load(open(f"{run_dir}/profile-{c}.json"))
        margins.append(f"{c} {100 * p['decode_margin']:.0f}% ({p['decode_margin_rounds']} rounds over "
                       f"{p['decode_margin_watch_seconds'] / 60:.1f} min)")
    evals = {(r["model"], r["subnet"]): r for r in lines(f"{run_dir}/evals.jsonl")}
    # The --sizes entries' predictions with each profile's decode margin, as the device palette plans.
    sizes_on = {c: {e["entry"]: e["devices"][0].get("planned_decode_ms", e["devices"][0]["decode_ms"])
                    for e in json.load(open(f"{run_dir}/sizes-on-{c}.json"))["entries"]}
                for c in palettes}
    sizes_entries = [e["name"] for e in inspect(sizes_palette)["palette"]]

    b_rows, q_rows, met, total, differ, runs_within = [], [], 0, 0, 0, 0
    for budget_index in range(len(budgets)):
        specs = {}
        for config, entries in palettes.items():
            e = entries[budget_index]
            m = e["metrics"]
            runs = measured[(config, e["name"])]
            ms = statistics.median(runs)
            ok = ms <= m["budget_latency_ms"]
            within = sum(x <= m["budget_latency_ms"] for x in runs)
            met += ok
            runs_within += within
            total += 1
            specs[config] = m["candidate"]
            ppl = evals[(f"{run_dir}/palette-{config}.h5", e["name"])]["perplexity"]
            b_rows.append(f"| {m['budget_latency_ms']:.4g} | {config} | {m['candidate']} | {e['params'] / 1e6:.3f}M | "
                          f"{m['predicted_decode_ms']:.4f} | {100 * m.get('latency_margin', 0):.0f}% | "
                          f"{m.get('planned_decode_ms', m['predicted_decode_ms']):.4f} | "
                          f"{ms:.4f} | {max(runs) / min(runs):.2f}x | {within} of {len(runs)} | "
                          f"{'yes' if ok else '**no**'} | "
                          f"{ppl:.2f} |")
            within = [(evals[(sizes_palette, s)]["perplexity"], s) for s in sizes_entries
                      if sizes_on[config][s] <= m["budget_latency_ms"]]
            best = min(within) if within else None
            q_rows.append(f"| {m['budget_latency_ms']:.4g} | {config} | {m['candidate']} | {ppl:.2f} | " +
                          (f"{best[1]} | {best[0]:.2f} | {100 * (ppl / best[0] - 1):+.1f}% |" if best else
                           "none of the --sizes entries is predicted within the budget | - | - |"))
        differ += specs[fast] != specs[slow]

    return [
        "",
        "## B. One supernet, two device configurations, the same latency budgets",
        "",
        f"Supernet `{supernet}` (its maxnet: {maxnet_params / 1e6:.2f}M parameters). Profiles: {fast} (`device probe "
        f"--threads 2 --watch-minutes {watch}`, the default ISA) and {slow} (`device probe --isa {slow.split('-t')[0]} "
        f"--threads 1 --watch-minutes {watch}`); their decode margins (the 90th percentile over the rounds of the "
        f"probe decoders' median decode step past the model): {', '.join(margins)}. Budgets (decode "
        "ms per token at 128 tokens of context), spread "
        "geometrically from just above the smallest `--sizes` entry to just above the largest, each on the configuration "
        f"where it is predicted slower, so every budget is reachable on both: {', '.join(budgets)}. "
        "`elastiq palette --device PROFILE --format fp32 --context 128 --latency-ms ...` for each (an entry's prediction "
        "times 1 + the profile's decode margin, the planned time, must meet the budget); every entry then runs "
        f"under its own configuration (`ELASTIQ_ISA={slow.split('-t')[0]} ... --threads 1`, or the default at 2 threads) in `bench --prompt-tokens 64 "
        f"--decode-tokens 64 --repeats 5` (decode at 64-127 tokens), {budget_rounds} rounds of every entry of both "
        "palettes in turn; an entry meets its budget when the median of its rounds does. Perplexity: `eval --engine runtime --max-tokens 65536` on "
        "the validation split, the same tokens for every entry.",
        "",
        f"- Entries that differ between the two configurations: **{differ} of {len(budgets)}** budgets.",
        f"- Entries that meet their budget when run (median of {budget_rounds} interleaved runs): **{met} of {total}**; "
        f"single runs within their budget: {runs_within} of {sum(len(v) for v in measured.values())}.",
        "",
        "| budget ms | configuration | chosen subnet | params | predicted ms | margin | planned ms | measured ms (median) "
        "| slowest / fastest run | runs within | meets | val perplexity |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ] + b_rows + [
        "",
        "Quality at a budget: the device entry against the best entry of the device-free `--sizes` palette "
        f"(`{sizes_palette}`) planned within the same budget on the same profile (prediction with the margin):",
        "",
        "| budget ms | configuration | device entry | perplexity | best --sizes entry within the budget | perplexity | device entry vs it |",
        "|---|---|---|---|---|---|---|",
    ] + q_rows


commit = short_commit(run_dir)
name = os.path.basename(out)
probe_each = f"PROBE_EACH={PROBE_EACH} " if PROBE_EACH != "threads" else ""
settings = probe_each + (f"A_ONLY=1 ENTRIES=\"{' '.join(ENTRIES)}\" REPEATS={REPEATS} OUT={out} " if A_ONLY else
                         f"ENTRIES=\"{' '.join(ENTRIES)}\" REPEATS={REPEATS} OUT={out} "
                         f"SUPERNET={os.environ.get('SUPERNET')} "
                         f"DATA={os.environ.get('DATA')} SIZES={sizes_palette} "
                         f"BUDGET_ROUNDS={os.environ.get('BUDGET_ROUNDS')} WATCH_MINUTES={watch_minutes()} ")
raw = [f"`{name}_{n}.jsonl`" for n in (("accuracy",) if A_ONLY else ("accuracy", "budgets", "evals"))]
cpu = cpu_name()
md = [
    "# Palettes per device: the latency model against real runs, and palettes made for a device",
    "",
    f"Machine: {cpu}, 2 cores (shared; background training paused during the runs), Debian 12. Commit {commit}, "
    f"{utc_date()}. Command: `{settings}ROUNDS={rounds} experiments/device_palettes.sh {run_dir}` "
    f"(report: `experiments/device_palettes_report.py`). Raw lines: {', '.join(raw)}.",
    "",
    f"## A. Predicted vs measured (random-weight MobileLLM-125M palette; entries {', '.join(ENTRIES)})",
    "",
    f"Each of {rounds} rounds probes the machine (`elastiq device probe`, default grid) at 1 and at 2 threads"
    + (" before each format's block of benches" if PROBE_EACH == "format" else "") + ", then runs "
    f"`elastiq bench --device PROFILE --prompt-tokens CONTEXT --decode-tokens 64 --repeats {REPEATS}` for every entry, format "
    f"and context with the latest profile. Decode: ms per token over the 64 steps after the prompt (medians of {REPEATS}); "
    "prefill: ms per prompt token, the whole prompt in one call. Error: predicted / measured - 1, median over the rounds.",
    "",
    summary("decode, every case", decode_errors),
    summary("prefill, every case", prefill_errors),
    "",
    "By round:",
    "",
] + by_round() + probe_drift() + [
    "",
    "By format and threads (decode / prefill):",
    "",
]
for (fmt, threads), (d, p) in sorted(by_group.items(), key=lambda kv: (FORMATS.index(kv[0][0]), kv[0][1])):
    md.append(f"- {fmt}, {threads} thread(s): decode median {100 * statistics.median(d):.1f}% worst {100 * max(d):.1f}%; "
              f"prefill median {100 * statistics.median(p):.1f}% worst {100 * max(p):.1f}%")
md += ["", f"![predicted vs measured]({name}.png)", "",
       "| threads | context | format | entry | params | decode ms measured | predicted | error | prefill ms/token measured | predicted | error | cold share | bandwidth GB/s (bench) |",
       "|---|---|---|---|---|---|---|---|---|---|---|---|---|"] + table + prefix_reads()
if not A_ONLY:
    md += part_b()
open(f"{out}.md", "w").write("\n".join(md) + "\n")
for name in ("accuracy",) if A_ONLY else ("accuracy", "budgets", "evals"):
    shutil.copy(f"{run_dir}/{name}.jsonl", f"{out}_{name}.jsonl")

with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as dat:
    for fmt in FORMATS:
        for key, rows in cases.items():
            if key[2] == fmt:
                dat.write(f"{statistics.median(r['decode_ms_per_token'] for r in rows)} "
                          f"{statistics.median(r['predicted_decode_ms_per_token'] for r in rows)}\n")
        dat.write("\n\n")
script = f"""
set terminal pngcairo size 800,700
set output '{out}.png'
set title 'Decode ms/token, latency model vs measured (MobileLLM-125M shapes, 1-2 threads, 128/1024 keys)' font ',10'
set xlabel 'measured ms/token'
set ylabel 'predicted ms/token'
set logscale xy
set grid
set key top left
plot '{dat.name}' index 0 using 1:2 title 'fp32' pt 7, '' index 1 using 1:2 title 'W8A8' pt 5, '' index 2 using 1:2 title 'ternary' pt 9, x title 'exact' lt -1, 1.1*x title '+-10%' dt 2 lc rgb 'gray', 0.9*x notitle dt 2 lc rgb 'gray'
"""
subprocess.run(["gnuplot"], input=script, text=True, check=True)
print("\n".join(md[:20]))
