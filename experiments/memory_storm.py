#!/usr/bin/env python3
"""Memory storm: `elastiq run --memory-budget auto --watch-memory` inside a real memory cgroup whose
limit jumps at random, every few seconds, between what the smallest palette entry needs and what
makes selection pick the largest, beside a competing process in the same cgroup that allocates and frees memory.

Generation restarts whenever a run reaches its --max-tokens, for --seconds in all. Measured: runs
started and finished (exit 0), limit changes, entry switches (the run's own log), OOM kills in the
cgroup (target 0), and the process's RSS against the footprint model of the entry it runs (baseline
RSS before the first entry + the entry's predicted footprint): the longest stretch above it by more
than 10%, and the largest ratio. Writes OUT_DIR/storm.json, storm.tsv (samples) and storm.png.

    memory_storm.py OUT_DIR [--seconds 600] [--bin build/tools] [--seed 1]

Needs root and a cgroup (v1 memory hierarchy or v2 with the memory controller); exits 77 (skipped)
with the reason where it cannot make one. Exits 1 when a check fails: an OOM kill, a run that did
not exit 0, or RSS above the model by more than 10% for longer than --rss-grace seconds."""
import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time

MIB = 1 << 20
CONFIG = {"name": "storm", "vocab_size": 4096, "d_model": 512, "n_layers": 6, "n_heads": 8, "n_kv_heads": 4,
          "ffn_dim": 1536, "max_seq_len": 4096}


class Cgroup:
    """A child memory cgroup of this process's own (v1 or v2)."""

    def __init__(self, name):
        self.dir, self.v2 = None, False
        if os.geteuid() != 0:
            raise RuntimeError("not root: cannot create a memory cgroup")
        for line in open("/proc/self/cgroup"):
            _, controllers, path = line.strip().split(":", 2)
            if "memory" in controllers.split(","):
                base = "/sys/fs/cgroup/memory" + path
                break
        else:
            base = "/sys/fs/cgroup" + open("/proc/self/cgroup").read().strip().split("::")[-1]
            self.v2 = True
        self.dir = os.path.join(base, name)
        try:
            os.makedirs(self.dir, exist_ok=True)
            self.limit(1 << 40)
        except OSError as e:
            raise RuntimeError(f"cannot create {self.dir}: {e}")

    def file(self, v1, v2):
        return os.path.join(self.dir, v2 if self.v2 else v1)

    def limit(self, nbytes):
        with open(self.file("memory.limit_in_bytes", "memory.max"), "w") as f:
            f.write(str(int(nbytes)))

    def usage(self):
        return int(open(self.file("memory.usage_in_bytes", "memory.current")).read())

    def oom_kills(self):
        text = open(self.file("memory.oom_control", "memory.events")).read()
        m = re.search(r"oom_kill (\d+)", text)
        return int(m.group(1)) if m else 0

    def enter(self):  # for a child, before exec
        with open(os.path.join(self.dir, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))

    def remove(self):
        for _ in range(50):
            try:
                os.rmdir(self.dir)
                return
            except OSError:
                time.sleep(0.1)


def footprints(elastiq, model, args):
    """Each entry's predicted footprint (MiB) and the RSS before the first entry, from a short run."""
    r = subprocess.run([elastiq, "run", "--palette", model, "--max-tokens", "1"] + args,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    entries = {m.group(1): float(m.group(2)) for m in re.finditer(r"^\s+(?:-> )?(\S+)\s+footprint\s+([\d.]+) MiB",
                                                                   r.stderr, re.M)}
    return entries


def drop_from_page_cache(path):
    """Pages cached earlier stay charged to whoever read them first: drop them, so the run in the
    cgroup faults them in and is charged for them."""
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)


def competitor(stop, rng, cap):
    """Allocates, touches, holds and frees anonymous memory in the cgroup, at random."""
    while not stop.is_set():
        block = bytearray(rng.randint(1, cap))
        for i in range(0, len(block), 4096):
            block[i] = 1
        time.sleep(rng.uniform(0.2, 1.5))
        del block
        time.sleep(rng.uniform(0.1, 1.0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "build", "tools"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rss-grace", type=float, default=2.0, help="seconds RSS may exceed the model by 10%%")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    elastiq = os.path.join(a.bin, "elastiq")
    rng = random.Random(a.seed)
    try:
        cg = Cgroup(f"elastiq-storm-{os.getpid()}")
    except (RuntimeError, OSError, StopIteration) as e:
        print(f"memory_storm: skipped: {e}")
        sys.exit(77)

    config, model = os.path.join(a.out, "storm.json"), os.path.join(a.out, "storm.h5")
    json.dump(CONFIG, open(config, "w"))
    subprocess.run([elastiq, "init", "--config", config, "--random", "--sizes", "0.67", "0.5", "0.25", "--out",
                    model], stdout=subprocess.DEVNULL, check=True)
    run_args = ["--prompt-ids", "1,5,9", "--memory-budget", "auto", "--watch-memory", "--watch-every", "2",
                "--switch-up-hold", "16", "--context", "4096", "--temperature", "0", "--threads", "1"]
    sizes = footprints(elastiq, model, run_args)
    # The limit moves between where only the smallest entry fits (baseline + its footprint + what
    # the competitor may hold) and where `--memory-budget auto`, which budgets half of what the
    # process can spare, picks the largest (baseline + twice its footprint + the competitor's).
    # Each run starts at the top of the range (a start below it is refused with a clear error).
    base, competitor_cap = 24 * MIB, 16 * MIB
    low = base + competitor_cap + min(sizes.values()) * MIB
    high = base + competitor_cap + 2 * max(sizes.values()) * MIB
    print(f"entries (MiB): {sizes}; limit moves in [{low / MIB:.0f}, {high / MIB:.0f}] MiB", flush=True)

    stop = threading.Event()
    samples, switches, runs, bad_runs, limit_changes = [], [], 0, [], 0
    comp = subprocess.Popen([sys.executable, "-c", f"""
import random, sys, threading, time
sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})
from memory_storm import competitor
competitor(threading.Event(), random.Random({a.seed}), {competitor_cap})"""], preexec_fn=cg.enter)
    start = time.time()
    limit = high * 2
    cg.limit(limit)
    next_change = start + rng.uniform(2, 5)
    while time.time() - start < a.seconds:
        runs += 1
        limit = high
        cg.limit(limit)
        drop_from_page_cache(model)
        p = subprocess.Popen([elastiq, "run", "--palette", model, "--max-tokens", "4000", "--token-delay-ms", "2"] +
                             run_args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             preexec_fn=cg.enter)
        current, before, last = [None], [base / MIB], [""]

        def read_log():
            for line in p.stderr:
                last[0] = line.strip()
                m = re.search(r"switch at [\d.]+ s: (\S+) -> (\S+) .*: switch ([\d.]+) ms \+ re-prefill ([\d.]+) ms", line)
                if m:
                    current[0] = m.group(2)
                    took = (float(m.group(3)) + float(m.group(4))) / 1000
                    now = time.time() - start
                    switches.append({"t": round(now, 2), "from": m.group(1), "to": m.group(2),
                                     "seconds": round(took, 3), "began": round(now - took, 2)})
                m = re.search(r"\(([\d.]+) MiB before the first entry", line)
                if m:
                    before[0] = float(m.group(1))
        reader = threading.Thread(target=read_log)
        reader.start()
        while p.poll() is None and time.time() - start < a.seconds:
            now = time.time()
            if now >= next_change:
                limit = rng.uniform(low, high)
                cg.limit(limit)
                limit_changes += 1
                next_change = now + rng.uniform(2, 5)
            try:
                rss = int(re.search(r"VmRSS:\s+(\d+) kB", open(f"/proc/{p.pid}/status").read()).group(1)) * 1024
            except (OSError, AttributeError):
                rss = 0
            model_bytes = (before[0] + sizes.get(current[0], 0)) * MIB if current[0] else None
            samples.append((round(now - start, 2), limit, cg.usage(), rss, model_bytes, current[0]))
            time.sleep(0.2)
        if p.poll() is None:
            p.send_signal(signal.SIGINT)  # the storm's time is up: stop the last run
            p.wait()
        reader.join()
        if p.returncode not in (0, -signal.SIGINT, 130) and time.time() - start < a.seconds:
            bad_runs.append(f"exit {p.returncode}: {last[0]}")
    stop.set()
    comp.kill()
    comp.wait()
    oom = cg.oom_kills()
    cg.remove()
    # RSS above the model by more than 10%, outside switches (while one runs, both entries' pages
    # may be resident, and the log names the new entry only once it is done): the longest stretch
    # of consecutive samples, and the longest switch to compare it with.
    in_switch = lambda t: any(s["began"] - 0.2 <= t <= s["t"] + 0.2 for s in switches)
    longest, stretch_start, worst = 0.0, None, 0.0
    for t, _, _, rss, model_bytes, _ in samples:
        over = model_bytes and rss > 1.1 * model_bytes and not in_switch(t)
        if model_bytes and not in_switch(t):
            worst = max(worst, rss / model_bytes)
        if over and stretch_start is None:
            stretch_start = t
        if not over and stretch_start is not None:
            longest, stretch_start = max(longest, t - stretch_start), None
    summary = {"seconds": round(time.time() - start, 1), "runs": runs, "runs_failed": bad_runs,
               "limit_changes": limit_changes, "switches": len(switches), "oom_kills": oom,
               "limit_range_mib": [round(low / MIB), round(high / MIB)], "footprints_mib": sizes,
               "rss_over_model_longest_s": round(longest, 2), "rss_over_model_max_ratio": round(worst, 3),
               "longest_switch_s": max((s["seconds"] for s in switches), default=0),
               "switch_log": switches,
               "samples": len(samples)}
    json.dump(summary, open(os.path.join(a.out, "storm.json"), "w"), indent=1)
    with open(os.path.join(a.out, "storm.tsv"), "w") as f:
        f.write("t\tlimit_mib\tusage_mib\trss_mib\tmodel_mib\tentry\n")
        for t, lim, use, rss, mb, cur in samples:
            f.write(f"{t}\t{lim / MIB:.1f}\t{use / MIB:.1f}\t{rss / MIB:.1f}\t"
                    f"{(mb or 0) / MIB:.1f}\t{cur}\n")
    plot(a.out)
    print(json.dumps(summary))
    failed = oom > 0 or bad_runs or longest > a.rss_grace
    sys.exit(1 if failed else 0)


def plot(out):
    script = f"""set terminal pngcairo size 1100,500
set output '{out}/storm.png'
set xlabel 'seconds'; set ylabel 'MiB'; set key outside right
set title 'memory storm: cgroup limit, usage, RSS of elastiq run and its footprint model'
plot '{out}/storm.tsv' using 1:2 with steps title 'cgroup limit', \\
     '' using 1:3 with lines title 'cgroup usage', \\
     '' using 1:4 with lines title 'run RSS', \\
     '' using 1:5 with steps title 'model (baseline + entry footprint)'
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=False)


if __name__ == "__main__":
    main()
