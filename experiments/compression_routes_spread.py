#!/usr/bin/env python3
"""Every evaluation of the routes study again on a validation sample spread over the whole split.

The study's own evaluations (R/evals.jsonl, its frozen binaries) score the split's first 65,536
tokens, one stretch of one corpus. This scores 65,536 tokens spread over the split (`elastiq eval
--max-tokens`, current binaries) for every tag in R/evals.jsonl and appends them to
R/evals-spread.jsonl under the same tags (tags already there are skipped); the report shows both.
Usage: compression_routes_spread.py R   (ELASTIQ_BIN_DIR: where elastiq is, default build/tools;
ELASTIQ_QUICKSTART_DIR: the study's data, default runs/quickstart)"""
import json
import os
import re
import subprocess
import sys

R = sys.argv[1]
E = os.path.join(os.environ.get("ELASTIQ_BIN_DIR", "build/tools"), "elastiq")
DATA = os.path.join(os.environ.get("ELASTIQ_QUICKSTART_DIR", "runs/quickstart"), "data")


def eval_args(tag):
    """The model file, entry and format the study evaluated under `tag`."""
    if tag == "teacher":
        return ["--model", f"{R}/teacher.h5"]
    m = re.fullmatch(r"(mlfs|mlfs_frozen)-([\d.]+)-(p\d+)", tag)
    if m:
        palette = f"{R}/palette-{m[2]}.h5" if m[1] == "mlfs" else f"{R}/palette-frozen-{m[2]}.h5"
        return ["--model", palette, "--subnet", m[3]]
    m = re.fullmatch(r"(ternary\d*)-mlfs-(p\d+)", tag)  # ternary: 300 QAT steps; ternary1200: 1200
    if m:
        return ["--model", f"{R}/{m[1]}-palette-1.h5", "--subnet", m[2], "--format", "ternary"]
    m = re.fullmatch(r"(ternary\d*)-(\w+)-(p\d+)", tag)
    if m:
        return ["--model", f"{R}/{m[1]}-{m[2]}-1-{m[3]}.h5", "--format", "ternary"]
    m = re.fullmatch(r"(distill|sliced|scratch)-([\d.]+)-(p\d+)", tag)
    if m:
        return ["--model", f"{R}/{tag}.h5"]
    raise SystemExit(f"{R}/evals.jsonl: unknown tag {tag}")


def tags(path):
    return [json.loads(line)["tag"] for line in open(path)] if os.path.exists(path) else []


def main():
    done = set(tags(f"{R}/evals-spread.jsonl"))
    todo = [t for t in tags(f"{R}/evals.jsonl") if t not in done]
    for i, tag in enumerate(todo):
        cmd = [E, "eval", "--json", "--engine", "runtime", "--max-tokens", "65536", "--threads", "1", "--data", DATA]
        result = subprocess.run(cmd + eval_args(tag), capture_output=True, text=True, check=True).stdout
        with open(f"{R}/evals-spread.jsonl", "a") as out:
            out.write(json.dumps({"tag": tag, "result": json.loads(result)}) + "\n")
        print(f"[{i + 1}/{len(todo)}] {tag}: perplexity {json.loads(result)['perplexity']:.2f}", flush=True)


if __name__ == "__main__":
    main()
