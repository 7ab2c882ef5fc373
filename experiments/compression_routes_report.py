#!/usr/bin/env python3
"""compression_routes.md (+ one PNG per size) from experiments/compression_routes.sh's folder: the
validation perplexity of every route at every budget against its training FLOPs (the compute meter's,
read from each output file) and wall time, the paper's decoder claim re-tested with distillation,
and the reading. Runs not finished yet are listed as missing, so a partial study already reports.
Usage: compression_routes_report.py RUN_DIR > experiments/results/compression_routes.md   (ELASTIQ_BIN_DIR:
where elastiq is; writes experiments/results/compression_routes_<size>.png)"""
import datetime
import json
import os
import re
import subprocess
import sys

R = sys.argv[1]
E = os.path.join(os.environ.get("ELASTIQ_BIN_DIR", "build/tools"), "elastiq")
OUT = "experiments/results"
SIZES = ["p67", "p50", "p25"]
FRACTIONS = ["0.125", "0.25", "0.5", "1"]
ROUTES = {"mlfs": "MLFS palette (all sizes at once)", "distill": "prune + distill", "sliced": "sliced init, task loss",
          "scratch": "from scratch"}
# The MLFS change the study suggests (compression_routes_mlfs_frozen.sh), at f = 1 only.
VARIANTS = {"mlfs_frozen": "MLFS palette, subnets distilled from the frozen teacher"}
LABELS = {**ROUTES, **VARIANTS}


def inspect(path):
    return json.loads(subprocess.run([E, "inspect", "--json", path], capture_output=True, text=True, check=True).stdout)


def metrics(path):
    """The training metrics of a model file's first palette entry (train_flops, train_seconds)."""
    return inspect(path)["palette"][0]["metrics"] if os.path.exists(path) else None


def evals(name="evals.jsonl"):
    out = {}
    if os.path.exists(f"{R}/{name}"):
        for line in open(f"{R}/{name}"):
            row = json.loads(line)
            out[row["tag"]] = row["result"]
    return out


SPREAD = evals("evals-spread.jsonl")  # compression_routes_spread.py: a sample spread over the split


def spread(tag):
    """The spread sample's perplexity of an evaluation tag, formatted ('-' until measured)."""
    return f"{SPREAD[tag]['perplexity']:.2f}" if tag in SPREAD else "-"


def tag(f):
    return "%g" % float(f)


def rows():
    """(size, route, fraction, FLOPs, seconds, perplexity) of every finished run."""
    ev, found = evals(), []
    for f in FRACTIONS:
        done = os.path.exists(f"{R}/palette-{tag(f)}.done")
        mlfs = metrics(f"{R}/supernet-{tag(f)}.h5") if done else None
        for s in SIZES:
            if mlfs and f"mlfs-{tag(f)}-{s}" in ev:
                found.append((s, "mlfs", f, mlfs["train_flops"], mlfs["train_seconds"], ev[f"mlfs-{tag(f)}-{s}"]["perplexity"]))
            for route in ("distill", "sliced", "scratch"):
                name = f"{route}-{tag(f)}-{s}"
                if name in ev and os.path.exists(f"{R}/{name}.done"):
                    m = metrics(f"{R}/{name}.h5")
                    found.append((s, route, f, m["train_flops"], m["train_seconds"], ev[name]["perplexity"]))
    frozen = metrics(f"{R}/supernet-frozen-1.h5") if os.path.exists(f"{R}/palette-frozen-1.done") else None
    for s in SIZES:
        if frozen and f"mlfs_frozen-1-{s}" in ev:
            found.append((s, "mlfs_frozen", "1", frozen["train_flops"], frozen["train_seconds"],
                          ev[f"mlfs_frozen-1-{s}"]["perplexity"]))
    return found


def ternary_rows(size):
    """(route, QAT steps, tag, fp32 perplexity, ternary perplexity, QAT seconds) of compression_routes_ternary.sh's
    runs: tags ternary-<route>-<size> (300 steps) and ternary<steps>-<route>-<size>."""
    ev, out = evals(), []
    for t in sorted(ev, key=lambda t: int(re.match(r"ternary(\d*)", t)[1] or 300) if t.startswith("ternary") else 0):
        m = re.fullmatch(rf"(ternary(\d*))-(\w+)-{size}", t)
        if not m or f"{m[3]}-1-{size}" not in ev:
            continue
        run = f"{m[1]}-palette" if m[3] == "mlfs" else f"{m[1]}-{m[3]}-{size}"
        seconds = sum(float(x) for x in open(f"{R}/{run}.seconds")) if os.path.exists(f"{R}/{run}.seconds") else float("nan")
        out.append((m[3], int(m[2] or 300), t, ev[f"{m[3]}-1-{size}"]["perplexity"], ev[t]["perplexity"], seconds))
    return out


def validation_curve(log):
    """(step, validation loss) pairs of a training log."""
    if not os.path.exists(log):
        return []
    return [(int(m.group(1)), float(m.group(2))) for m in re.finditer(r"step (\d+): validation loss ([\d.]+)", open(log).read())]


def claim(size):
    """Steps for the distilled student to reach the from-scratch run's final validation loss (f = 1)."""
    scratch, distill = validation_curve(f"{R}/scratch-1-{size}.log"), validation_curve(f"{R}/distill-1-{size}.log")
    if not scratch or not distill:
        return None
    target, total = scratch[-1][1], scratch[-1][0]
    reached = next((step for step, loss in distill if loss <= target), None)
    return target, total, reached


def plot(size, found):
    data = {route: sorted((r[3], r[5]) for r in found if r[0] == size and r[1] == route) for route in LABELS}
    clauses, files = [], []
    for i, (route, points) in enumerate(data.items()):
        if not points:
            continue
        path = f"/tmp/routes_{size}_{route}.dat"
        with open(path, "w") as out:
            out.writelines(f"{x} {y}\n" for x, y in points)
        clauses.append(f"'{path}' using 1:2 with linespoints title '{LABELS[route]}'")
        files.append(path)
    if not clauses:
        return None
    png = f"{OUT}/compression_routes_{size}.png"
    script = (f"set terminal pngcairo size 900,560\nset output '{png}'\nset title 'Routes at equal compute: {size}'\n"
              "set xlabel 'training FLOPs (the route, this size; MLFS: the whole palette)'\nset ylabel 'validation perplexity'\n"
              "set logscale x\nset grid\nplot " + ", ".join(clauses) + "\n")
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    return os.path.basename(png)


def main():
    found = rows()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print("# Compression routes at equal compute\n")
    print(f"Generated {datetime.date.today()} at commit {commit} on this 2-core machine from `{R}` "
          f"(command: `experiments/compression_routes.sh {R}`, `compression_routes_mlfs_frozen.sh {R}`, "
          f"`compression_routes_ternary.sh {R}`, `compression_routes_spread.py {R}`, then "
          f"`python3 experiments/compression_routes_report.py {R}`). "
          "Validation perplexity on the first 65,536 validation tokens (runtime, fp32, the study's binaries); "
          "*spread sample*: 65,536 tokens spread over the whole split (`compression_routes_spread.py`, current "
          "binaries), a fairer sample than the head, which is one stretch of one corpus. FLOPs: the compute meter's "
          "(docs/METHODS.md, Compute), read from each output file; the teacher's own pretraining is shared by "
          "MLFS, distill and sliced init and not counted. Budget f: f x C, C the MLFS palette's FLOPs at f = 1; "
          "for distill, sliced and scratch, f x C is what the three separate models get together (f x C / 3 each).\n")
    missing = [f"{route}-{tag(f)}-{s}" for f in FRACTIONS for s in SIZES for route in ROUTES
               if not any(r[0] == s and r[1] == route and r[2] == f for r in found)]
    missing += [f"{v}-1-{s}" for v in VARIANTS for s in SIZES if not any(r[0] == s and r[1] == v for r in found)]
    if missing:
        total = (len(FRACTIONS) * len(ROUTES) + len(VARIANTS)) * len(SIZES)
        print(f"**Not run yet** ({len(missing)} of {total}): {', '.join(missing)}.\n")
    for s in SIZES:
        print(f"## {s}\n")
        print("| route | budget f | training FLOPs | wall s | validation perplexity | spread sample |")
        print("|---|---|---|---|---|---|")
        for r in sorted((r for r in found if r[0] == s), key=lambda r: (list(LABELS).index(r[1]), float(r[2]))):
            print(f"| {LABELS[r[1]]} | {r[2]} | {r[3]:.3g} | {r[4]:.0f} | {r[5]:.2f} | {spread(f'{r[1]}-{tag(r[2])}-{s}')} |")
        png = plot(s, found)
        if png:
            print(f"\n![{s}]({png})")
        c = claim(s)
        if c:
            target, total, reached = c
            verdict = (f"reached it at step {reached} of the from-scratch run's {total} ({reached / total:.2f}; target <= 1/3)"
                       if reached else "did not reach it within its run")
            print(f"\nThe paper's claim, with distillation: from scratch ends at validation loss {target:.4f}; "
                  f"the distilled slice {verdict}.")
        ternary = ternary_rows(s)
        if ternary:
            print(f"\nTernary QAT (compression_routes_ternary.sh) of the f = 1 models, runtime perplexity:\n")
            print("| route (f = 1) | QAT steps | fp32 | ternary after QAT | change | spread sample: fp32 / ternary | QAT wall s |")
            print("|---|---|---|---|---|---|---|")
            for route, steps, t, fp32, tern, seconds in ternary:
                print(f"| {ROUTES[route]} | {steps} | {fp32:.2f} | {tern:.2f} | {100 * (tern / fp32 - 1):+.1f}% | "
                      f"{spread(f'{route}-1-{s}')} / {spread(t)} | {seconds:.0f} |")
        print()
    decision(found)


def decision(found):
    """Per size: the nested palette at f = 1 against the best separately trained model at each budget."""
    print("## The nested palette against separate models (generated)\n")
    print("| size | MLFS palette, f = 1 | best separate model, f = 1 | palette / separate | same, spread sample | "
          "smallest budget f at which a separate model beats the palette at f = 1 |")
    print("|---|---|---|---|---|---|")
    for s in SIZES:
        palette = next((r for r in found if r[0] == s and r[1] == "mlfs" and r[2] == "1"), None)
        separate = [r for r in found if r[0] == s and r[1] in ("distill", "sliced", "scratch")]
        best = min((r for r in separate if r[2] == "1"), key=lambda r: r[5], default=None)
        if not palette or not best:
            continue
        beating = sorted((float(r[2]) for r in separate if r[5] < palette[5]))
        a, b = f"mlfs-1-{s}", f"{best[1]}-1-{s}"
        spread_ratio = f"{SPREAD[a]['perplexity'] / SPREAD[b]['perplexity']:.2f}x" if a in SPREAD and b in SPREAD else "-"
        print(f"| {s} | {palette[5]:.2f} | {best[5]:.2f} ({ROUTES[best[1]]}) | {palette[5] / best[5]:.2f}x | "
              f"{spread_ratio} | {('%g' % beating[0]) if beating else 'none'} |")
    print()


if __name__ == "__main__":
    main()
