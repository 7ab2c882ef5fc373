#!/usr/bin/env python3
"""interop.md from gguf_llamacpp_check.sh's check.jsonl: per palette entry and GGUF type, whether
llama.cpp's greedy continuation equals elastiq's, and both perplexities on the same test tokens.
Usage: interop_report.py CHECK.jsonl PALETTE LLAMA_COMMIT > interop.md"""
import datetime
import json
import platform
import subprocess
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
print("# Interop: exported GGUFs in llama.cpp against elastiq's runtime\n")
print(f"Measured {datetime.date.today()} at commit {commit} on {platform.machine()} ({platform.node()}), "
      f"llama.cpp {sys.argv[3]} built from its public source. Palette: `{sys.argv[2]}`. Command: "
      "`LLAMA_SRC=... experiments/gguf_llamacpp_check.sh` (raw rows: interop.jsonl).\n")
same = sum(r["greedy_identical"] for r in rows if r["type"] in ("f32", "f16"))
total = sum(1 for r in rows if r["type"] in ("f32", "f16"))
worst_q8 = max((abs(r["ppl_ratio"] - 1) for r in rows if r["type"] == "q8_0"), default=float("nan"))
print(f"**Reading.** Greedy continuations (32 tokens after a 17-token prompt) identical in {same} of {total} "
      f"f32/f16 exports; q8_0 perplexity within {100 * worst_q8:.2f}% of elastiq's fp32 (target 1%).\n")
print("| entry | GGUF type | greedy identical | perplexity elastiq (fp32) | perplexity llama.cpp | ratio |")
print("|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['entry']} | {r['type']} | {'yes' if r['greedy_identical'] else 'no'} | {r['ppl_ours']:.4f} | "
          f"{r['ppl_llamacpp']:.4f} | {r['ppl_ratio']:.4f} |")
