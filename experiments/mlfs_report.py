#!/usr/bin/env python3
"""Turns experiments/mlfs_study.sh's logs, study.json and evals.jsonl into experiments/results/mlfs.md and PNG plots.
Everything below the HAND_WRITTEN marker line of the existing mlfs.md is kept as it is."""
import json
import os
import re
import subprocess
import sys

from report_common import cpu_name

R = sys.argv[1]
OUT = sys.argv[2] if len(sys.argv) > 2 else "experiments/results"
ELASTIQ = os.path.join(os.environ.get("ELASTIQ_BIN_DIR", "build/tools"), "elastiq")
HAND_WRITTEN = "<!-- hand-written below: kept when this file is regenerated -->"
GAMMAS = ["0", "0.5", "1", "2"]
SHAPES = ["p67", "p50", "p25"]
STUDY = json.load(open(os.path.join(R, "study.json")))
STAGES, GAMMA_STAGES = STUDY["stages"], STUDY["gamma_stages"]
TEACHER_TOKENS = STUDY["teacher_steps"] * 32 * 128
MLFS_TOKENS = sum(STAGES) * 16 * 128
SCRATCH_STEPS, SLICED_STEPS = STUDY["scratch_steps"], STUDY["sliced_steps"]


def read(name):
    path = os.path.join(R, name)
    return open(path).read() if os.path.exists(path) else ""


def done(name):
    return os.path.exists(os.path.join(R, name + ".done"))


def seconds(name):
    return sum(float(x) for x in read(name + ".seconds").split())


def training_seconds(name):
    """Training wall time from the progress lines' `elapsed`, summed over the segments of a killed and resumed
    run (elapsed restarts at each resume), so the time before a kill counts too."""
    total, last = 0.0, 0.0
    for h, m, sec in re.findall(r"elapsed (?:(\d+)h)?(?:(\d+)m)?(\d+)s", read(name + ".log")):
        t = int(h or 0) * 3600 + int(m or 0) * 60 + int(sec)
        if t < last:
            total += last
        last = t
    return total + last


evals = {}
for line in read("evals.jsonl").splitlines():
    j = json.loads(line)
    evals[j["tag"]] = j["result"]


def metric(tag, key="perplexity"):
    return evals[tag][key] if tag in evals else None


def mlfs_curve(log):  # [(step, maxnet ppl, smallest ppl)]
    return [(int(s), float(a), float(b)) for s, a, b in
            re.findall(r"step (\d+): validation \w+ maxnet ([\d.e+]+), smallest ([\d.e+]+)", log)]


def pretrain_curve(log):  # [(step, val loss)]
    return [(int(s), float(l)) for s, l in re.findall(r"step (\d+): validation loss ([\d.]+)", log)]


def fmt(x, spec=".1f"):
    return "—" if x is None else format(x, spec)


def rel(x, ref):
    return "—" if x is None or ref is None else f"{100 * (x / ref - 1):+.1f}%"


def plot(png, title, xlabel, ylabel, series, logy=False, points=False):
    """series: [(label, [(x, y)])] drawn with gnuplot (nothing when there is no data yet)."""
    series = [(label, xy) for label, xy in series if xy]
    if not series:
        return
    blocks, plots = [], []
    for i, (label, xy) in enumerate(series):
        blocks.append("\n".join(f"{x} {y}" for x, y in xy) + "\ne\n")
        style = "linespoints pt 7" if points else "lines lw 2"
        plots.append(f"'-' using 1:2 with {style} title '{label}'")
    script = (f"set terminal pngcairo size 900,520\nset output '{png}'\nset title '{title}'\n"
              f"set xlabel '{xlabel}'\nset ylabel '{ylabel}'\nset grid\nset key top right\n"
              + ("set logscale y\n" if logy else "") + "plot " + ", ".join(plots) + "\n" + "".join(blocks))
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


cpu = cpu_name()
teacher = metric("teacher")
md = ["# MLFS: palette vs from scratch vs sliced untrained; sliced init; gradient scaling; cost; encoder", "",
      f"Machine: {cpu}, 2 cores, 24 GiB (shared: other builds ran beside these jobs, so wall times are",
      f"upper bounds; steps and tokens are exact). Command: `experiments/mlfs_study.sh {R}` (it ends by",
      f"running `python3 experiments/mlfs_report.py {R}`). Teacher: tiny-decoder (1.71M parameters),",
      f"{STUDY['teacher_steps']} steps x 32 x 128 tokens on the quickstart's Brown + SOTU + Moby Dick. MLFS: `{STUDY['mlfs_flags']}`,",
      f"stages {' + '.join(map(str, STAGES))} steps of 16 x 128 tokens, 4 subnets per step (maxnet, smallest, 2 random),",
      f"alpha 0.9, beta 0.1, gamma 1. Tables: the first {STUDY['eval_tokens']:,} tokens of the validation split (the runtime in",
      "fp32, equal to LibTorch within 1e-4); curves, marked *subset*: the first 32,768, as the training runs validate.", ""]

# 1. The palette against its baselines.
md += ["## Decoder palette vs the same shapes trained otherwise", "",
       "- **MLFS**: the palette entry (`elastiq palette` on the MLFS supernet).",
       "- **sliced, rewired**: the teacher reordered by importance (`mlfs` with 0 steps), sliced, no training.",
       f"- **from scratch**: the same shape (`pretrain --shape-from palette.h5 --subnet NAME`), random init, "
       f"{SCRATCH_STEPS} steps x 32 x 128 = {SCRATCH_STEPS * 32 * 128:,} tokens: as many as the",
       "  teacher's pretraining plus MLFS together.",
       f"- **sliced init**: the same shape started from the rewired teacher's slice (`--init-from rewired.h5`), {SLICED_STEPS} steps (1/3).",
       "", f"Teacher: validation perplexity **{fmt(teacher, '.2f')}**.", "",
       "| entry | params | non-embedding | of teacher | MLFS | vs teacher | sliced, rewired | from scratch | sliced init (1/3 steps) |",
       "|---|---|---|---|---|---|---|---|---|"]
tparams = evals.get("teacher", {}).get("params")
scatter = {"MLFS palette": [], "from scratch (same tokens)": [], "sliced, rewired, untrained": [], "sliced init, 1/3 steps": []}
pal = json.loads(subprocess.run([ELASTIQ, "inspect", "--json", os.path.join(R, "palette.h5")],
                                capture_output=True, text=True).stdout or "{}") if os.path.exists(os.path.join(R, "palette.h5")) else {}
nonemb = {e["name"]: e["metrics"].get("non_embedding_params") for e in pal.get("palette", [])}
for s in ["p100"] + SHAPES:
    m = evals.get(f"mlfs-{s}")
    if not m:
        continue
    p = m["params"]
    row = [s, f"{p:,}", f"{nonemb.get(s, 0) or 0:,}", f"{p / tparams:.2f}" if tparams else "—", fmt(m["perplexity"], ".2f"),
           rel(m["perplexity"], teacher), fmt(metric(f"rewired-{s}"), ".1f"),
           fmt(metric(f"scratch-{s}"), ".2f"), fmt(metric(f"sliced-{s}"), ".2f")]
    md.append("| " + " | ".join(row) + " |")
    scatter["MLFS palette"].append((p, m["perplexity"]))
    for label, tag in [("from scratch (same tokens)", "scratch"), ("sliced, rewired, untrained", "rewired"),
                       ("sliced init, 1/3 steps", "sliced")]:
        if metric(f"{tag}-{s}") is not None:
            scatter[label].append((p, metric(f"{tag}-{s}")))
if teacher and tparams:
    scatter["teacher"] = [(tparams, teacher)]
plot(os.path.join(OUT, "mlfs_palette.png"), "Validation perplexity by subnet size", "parameters", "validation perplexity (log)",
     [(k, sorted(v)) for k, v in scatter.items() if v], logy=True, points=True)
md += ["", "![palette](mlfs_palette.png)", ""]

# 2. Sliced init vs random init.
md += ["## Sliced initialisation vs random initialisation (the paper's decoder claim)", "",
       "Steps for the sliced-init run to reach the from-scratch run's final validation loss (*subset*, checked every 50 steps).", "",
       f"| entry | from-scratch final loss ({SCRATCH_STEPS} steps) | sliced init at step 0 | first step at or below | of the from-scratch steps | target <= 1/3 |",
       "|---|---|---|---|---|---|"]
curves = []
for s in SHAPES:
    scratch, sliced = pretrain_curve(read(f"scratch-{s}.log")), pretrain_curve(read(f"sliced-{s}.log"))
    if not scratch or not sliced:
        continue
    target = scratch[-1][1]
    reached = next((st for st, l in sliced if l <= target), None)
    first = metric(f"rewired-{s}")
    md.append(f"| {s} | {target:.4f} | {'—' if first is None else f'ppl {first:.1f}'} | "
              f"{reached if reached is not None else f'not within {SLICED_STEPS}'} | "
              f"{'—' if reached is None else f'{reached / scratch[-1][0]:.3f}'} | {'met' if reached and reached <= scratch[-1][0] / 3 else 'missed'} |")
    curves += [(f"{s} from scratch", scratch), (f"{s} sliced init", sliced)]
if curves:
    plot(os.path.join(OUT, "mlfs_sliced_init.png"), "Validation loss: sliced init vs random init", "step",
         "validation loss, subset (nats/token)", curves)
    md += ["", "![sliced init](mlfs_sliced_init.png)", ""]

# 3. Gradient scaling.
STAGE0, DISTILL = GAMMA_STAGES[0], GAMMA_STAGES[1] + GAMMA_STAGES[2]
md += ["## Gradient scaling: the smallest subnet's validation perplexity (*subset*)", "",
       f"gamma 0 is the unscaled run. Shorter MLFS runs than the palette's: stages {' + '.join(map(str, GAMMA_STAGES))}, the same flags.",
       f"Steps count the distillation steps (stages 1 + 2, {DISTILL} in all): the smallest subnet trains only there.",
       "Every gamma runs the same work per step (wall times left out: these runs were paused and resumed beside other jobs).", "",
       "| gamma | smallest, final | maxnet, final | distillation steps to reach gamma 0's final | of gamma 0's steps | target <= 0.75x |",
       "|---|---|---|---|---|---|"]
gcurves, base = [], mlfs_curve(read("mlfs-g0.log")) if done("mlfs-g0") else []
base_final = base[-1][2] if base else None
for g in GAMMAS:
    c = mlfs_curve(read(f"mlfs-g{g}.log"))
    if not c or not done(f"mlfs-g{g}"):
        md.append(f"| {g} | pending (running or queued) | | | | |")
        continue
    reached = next((st - STAGE0 for st, _, small in c if st > STAGE0 and base_final and small <= base_final), None)
    ratio = None if reached is None else reached / DISTILL
    md.append(f"| {g} | {c[-1][2]:.1f} | {c[-1][1]:.2f} | {reached if reached is not None else 'not reached'} | "
              f"{fmt(ratio, '.3f')} | {'—' if g == '0' else ('met' if ratio is not None and ratio <= 0.75 else 'missed')} |")
    gcurves.append((f"gamma {g}", [(st, small) for st, _, small in c if st > STAGE0]))
if gcurves:
    plot(os.path.join(OUT, "mlfs_gamma.png"), "Smallest subnet during MLFS, by gradient-scaling gamma", "MLFS step",
         "validation perplexity, subset (log)", gcurves, logy=True)
    md += ["", "![gamma](mlfs_gamma.png)"]
md.append("")

# 4. Cost, beyond the teacher both routes share (it is the palette's p100 and the separate route's largest model).
route = training_seconds("mlfs") + seconds("palette")
separate = sum(training_seconds(f"scratch-{s}") for s in SHAPES)
pending = [s for s in SHAPES if not done(f"scratch-{s}")]
md += ["## Cost: the palette vs training each subnet separately", ""]
if pending:
    md += [f"Pending: the from-scratch runs of {', '.join(pending)} are still running.", ""]
else:
    md += [
           "Beyond the teacher, which both routes train once (it is p100 of either).", "",
           "| route | what runs | training tokens | wall time |", "|---|---|---|---|",
           f"| MLFS palette | MLFS + palette search | {MLFS_TOKENS:,} | {route / 60:.1f} min |",
           f"| separately | {len(SHAPES)} shapes from scratch at the teacher's + MLFS's tokens each | "
           f"{len(SHAPES) * SCRATCH_STEPS * 32 * 128:,} | {separate / 60:.1f} min |", "",
           "MLFS steps run 4 subnet forward/backward passes on each 16 x 128 batch, so its tokens understate its compute;",
           "the wall time is the honest comparison (training time from the progress lines, summed over the segments",
           "of a killed and resumed run; same machine, both sharing it with other work).", ""]

# 5. Encoder.
enc_teacher = metric("enc-teacher", "accuracy")
if enc_teacher is not None:
    encp = json.loads(subprocess.run([ELASTIQ, "inspect", "--json", os.path.join(R, "enc-palette.h5")],
                                     capture_output=True, text=True).stdout or "{}")
    enc_nonemb = {e["name"]: e["metrics"].get("non_embedding_params") for e in encp.get("palette", [])}
    teacher_file = json.loads(subprocess.run([ELASTIQ, "inspect", "--json", "runs/spam-enc.h5"],
                                             capture_output=True, text=True).stdout)
    t_nonemb = teacher_file["palette"][0]["non_embedding_params"]  # the teacher's maxnet
    md += ["## Encoder: spam/ham (SpamAssassin), test accuracy", "",
           f"Teacher `runs/spam-enc.h5` (tiny-encoder): test accuracy **{enc_teacher:.4f}**. MLFS 100 + 200 + 200 steps;",
           "palette sizes 1, 0.6, 0.45, 0.3 of all parameters. Target: an entry with at most 1/4 of the teacher's",
           "non-embedding parameters keeps at least 97% of its accuracy.", "",
           "| entry | params | non-embedding | of teacher's non-embedding | MLFS accuracy | of teacher | sliced, raw |",
           "|---|---|---|---|---|---|---|"]
    for s in ["p100", "p60", "p45", "p30"]:
        m = evals.get(f"enc-mlfs-{s}")
        if not m:
            continue
        ne = enc_nonemb.get(s)
        md.append(f"| {s} | {m['params']:,} | {ne:,} | {ne / t_nonemb:.3f} | {m['accuracy']:.4f} | "
                  f"{100 * m['accuracy'] / enc_teacher:.1f}% | {fmt(metric(f'enc-raw-{s}', 'accuracy'), '.4f')} |")
    md.append("")

path = os.path.join(OUT, "mlfs.md")
old = open(path).read() if os.path.exists(path) else ""
kept = old[old.index(HAND_WRITTEN):] if HAND_WRITTEN in old else HAND_WRITTEN + "\n"
open(path + ".tmp", "w").write("\n".join(md) + "\n" + kept)
os.replace(path + ".tmp", path)
print("wrote", path)
