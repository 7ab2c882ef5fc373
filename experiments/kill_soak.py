#!/usr/bin/env python3
"""Kill-anywhere soak: SIGKILL a training command at random moments, resume it each time, and check
that nothing is lost.

For pretrain, MLFS (stages 0, 1 and 2, across the stage-0 merge) and QAT: an uninterrupted reference
run, then the same run killed --kills times (the whole process group: the elastiq front end and its
LibTorch helper) -- every other kill the moment a checkpoint's temporary file appears, i.e. inside a
checkpoint write, the others at a random step of what is left (spread so that the kills cover the
whole run) -- and resumed after each kill. After every kill the
file under the final name must be absent (no checkpoint yet) or a valid model file (its content seal
and every check of `elastiq inspect`): the old checkpoint or the new one, never half of one. At the
end the weights (and the packed copy, for QAT) must equal the reference bit for bit (h5diff).

    kill_soak.py OUT_DIR [--kills 20] [--scale 1] [--commands pretrain,mlfs,qat] [--bin build/tools]

Prints one line per kill and a summary table; writes OUT_DIR/soak.jsonl (one JSON line per command).
Exits 1 when a check fails."""
import argparse
import glob
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time

WORDS = ("the captain saw a letter", "our ship found the open sea", "the jury watched the new law",
         "a sailor remembered the harbor", "the doctor measured the budget", "my friend painted the garden")


def sh(args, **kw):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


class Soak:
    def __init__(self, out, bin_dir, kills, seed, scale):
        self.out, self.kills, self.rng = out, kills, random.Random(seed)
        self.steps = lambda n: str(max(4, int(n * scale)) // 2 * 2)
        self.elastiq = os.path.join(bin_dir, "elastiq")
        self.failures = []

    def run(self, args, check=True):
        r = sh([self.elastiq] + args)
        if check and r.returncode != 0:
            sys.exit(f"kill_soak: {' '.join(args)} failed:\n{r.stderr}")
        return r

    def prepare(self):
        """Synthetic corpus, tokenizer, tiny config and the teacher MLFS starts from."""
        text = os.path.join(self.out, "text")
        os.makedirs(text, exist_ok=True)
        rng = random.Random(7)
        for d in range(30):
            with open(os.path.join(text, f"doc{d}.txt"), "w") as f:
                f.write("\n".join(" ".join(rng.choice(WORDS) for _ in range(4)) + "." for _ in range(60)))
        self.data, self.tok = os.path.join(self.out, "data"), os.path.join(self.out, "tok.model")
        self.config = os.path.join(self.out, "tiny.json")
        if not os.path.exists(os.path.join(self.data, "manifest.json")):
            self.run(["data", "prepare", "--corpus", text, "--out", self.data])
        if not os.path.exists(self.tok):
            self.run(["tokenizer", "train", "--data", self.data, "--vocab-size", "300", "--out", self.tok])
        with open(self.config, "w") as f:
            json.dump({"name": "soak", "vocab_size": 300, "d_model": 64, "n_layers": 2, "n_heads": 4,
                       "n_kv_heads": 2, "ffn_dim": 128, "max_seq_len": 32}, f)
        common = ["--data", self.data, "--precision", "fp32", "--batch-size", "8", "--eval-tokens", "256",
                  "--threads", "1", "--checkpoint-every", "2"]
        self.teacher = os.path.join(self.out, "teacher.h5")
        pretrain = ["pretrain", "--config", self.config, "--tokenizer", self.tok, "--steps", self.steps(2000),
                    "--eval-every", self.steps(500)] + common
        if not os.path.exists(self.teacher):
            self.run(pretrain + ["--out", self.teacher])
        mlfs = ["mlfs", "--teacher", self.teacher, "--stage0-steps", self.steps(150), "--stage1-steps",
                self.steps(150), "--stage2-steps", self.steps(150), "--subnets-per-step", "3", "--rank", "4", "--rewire-batches", "2",
                "--warmup", "2"] + common
        self.supernet = os.path.join(self.out, "mlfs-reference.h5")
        qat = ["quantize", "--in", self.supernet, "--format", "ternary", "--qat-steps", self.steps(1500), "--warmup", "2"] + common
        return {"pretrain": (pretrain, ["/weights"]), "mlfs": (mlfs, ["/weights"]),
                "qat": (qat, ["/weights", "/quant"])}

    def valid(self, path):
        if not os.path.exists(path):
            return True, "absent"
        r = self.run(["inspect", path], check=False)
        if r.returncode != 0:
            return False, r.stderr.strip()
        # QAT keeps its own step beside the MLFS state its input file carried.
        step = (re.search(r"\(0\): (\d+)", sh(["h5dump", "-a", "/train_state/qat/step", path]).stdout) or
                re.search(r"\(0\): (\d+)", sh(["h5dump", "-a", "/train_state/step", path]).stdout))
        return True, f"valid, a checkpoint at step {step.group(1)}" if step else "valid"

    def killed_run(self, args, out, in_write, kills_left):
        """Starts the run, kills its process group; returns what happened. A random kill lands at a
        random step between where the run resumes and an even share of the steps left per kill
        still to come (so kills spread over the whole run on a fast or a slow machine), at a random
        moment inside that step; a write kill the moment a checkpoint's temporary file appears."""
        resume = ["--resume"] if os.path.exists(out) else []
        p = subprocess.Popen([self.elastiq] + args + ["--out", out, "--log-every", "1"] + resume,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
        progress = {"step": -1, "total": None}

        def follow():
            for line in p.stdout:
                m = re.match(r"step (\d+)/(\d+)", line)
                if m:
                    progress["step"], progress["total"] = int(m.group(1)), int(m.group(2))
        reader = threading.Thread(target=follow, daemon=True)
        reader.start()
        target, where, deadline = None, "random", time.time() + 120
        while time.time() < deadline and p.poll() is None:
            if in_write and glob.glob(out + ".tmp-*"):
                time.sleep(self.rng.uniform(0, 0.02))
                where = "in a checkpoint write"
                break
            if not in_write and progress["total"] is not None:
                if target is None:
                    first, left = progress["step"], progress["total"] - progress["step"]
                    target = first + self.rng.randint(0, max(0, 2 * left // (kills_left + 1)))
                if progress["step"] >= target:
                    time.sleep(self.rng.uniform(0, 0.05))
                    break
            time.sleep(0.002)
        if p.poll() is not None:
            return "finished before the kill"
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        time.sleep(0.05)  # the helper dies with its parent (PR_SET_PDEATHSIG)
        return "killed " + where

    def soak(self, name, args, groups):
        reference = os.path.join(self.out, f"{name}-reference.h5")
        stamp = reference + ".args"  # a reference made with other arguments is made again
        if not os.path.exists(reference) or not os.path.exists(stamp) or open(stamp).read() != " ".join(args):
            if os.path.exists(reference):
                os.remove(reference)
            self.run(args + ["--out", reference])
            open(stamp, "w").write(" ".join(args))
        out = os.path.join(self.out, f"{name}-soak.h5")
        for f in glob.glob(out + "*"):
            os.remove(f)
        counts = {"killed random": 0, "killed in a checkpoint write": 0, "finished before the kill": 0}
        invalid, steps = 0, []
        for k in range(self.kills):
            what = self.killed_run(args, out, in_write=k % 2 == 1, kills_left=self.kills - k)
            counts[what] += 1
            ok, detail = self.valid(out)
            invalid += not ok
            print(f"{name} kill {k + 1}/{self.kills}: {what}; {os.path.basename(out)}: {detail}", flush=True)
            m = re.search(r"at step (\d+)", detail)
            steps.append(int(m.group(1)) if m else 0)
            if not ok:
                self.failures.append(f"{name}: invalid file after kill {k + 1}: {detail}")
        self.run(args + ["--out", out] + (["--resume"] if os.path.exists(out) else []))
        same = all(sh(["h5diff", "-q", reference, out, g, g]).returncode == 0 for g in groups)
        if not same:
            self.failures.append(f"{name}: final weights differ from the uninterrupted run")
        row = {"command": name, "kills": self.kills, **counts, "invalid_files": invalid,
               "leftover_temporaries": len(glob.glob(out + ".tmp-*")), "bit_identical": same,
               "checkpoint_step_after_each_kill": steps}
        with open(os.path.join(self.out, "soak.jsonl"), "a") as f:
            f.write(json.dumps(row) + "\n")
        return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--commands", default="pretrain,mlfs,qat")
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "build", "tools"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0, help="steps of every run times this (CI: 0.1)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    s = Soak(a.out, a.bin, a.kills, a.seed, a.scale)
    plans = s.prepare()
    rows = []
    for name in a.commands.split(","):
        if name == "qat" and not os.path.exists(s.supernet):
            s.run(plans["mlfs"][0] + ["--out", s.supernet])
        rows.append(s.soak(name, *plans[name]))
    print("\n| command | kills | random | in a write | finished first | invalid files | temporaries left | bit-identical |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['command']} | {r['kills']} | {r['killed random']} | {r['killed in a checkpoint write']} | "
              f"{r['finished before the kill']} | {r['invalid_files']} | {r['leftover_temporaries']} | "
              f"{'yes' if r['bit_identical'] else 'NO'} |")
    for f in s.failures:
        print("kill_soak: " + f, file=sys.stderr)
    sys.exit(1 if s.failures else 0)


if __name__ == "__main__":
    main()
