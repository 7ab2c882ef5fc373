#!/usr/bin/env python3
"""interop.md from gguf_llamacpp_check.sh's check.jsonl: per palette entry and GGUF type, whether
llama.cpp's greedy continuation equals elastiq's, and both perplexities on the same test tokens.
Usage: interop_report.py CHECK.jsonl PALETTE LLAMA_COMMIT COMMAND > interop.md"""
import datetime
import json
import platform
import subprocess
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
print("# Interop: exported GGUFs in llama.cpp against elastiq's runtime\n")
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
print(f"Measured {datetime.date.today()} at commit {commit} on {cpu} ({platform.machine()}, 2 cores), "
      f"llama.cpp {sys.argv[3]} built from its public source (CPU, shared libraries). Palette: `{sys.argv[2]}`. "
      f"Command: `{sys.argv[4]}` (raw rows: interop.jsonl).\n")
same = sum(r["greedy_identical"] for r in rows if r["type"] in ("f32", "f16"))
total = sum(1 for r in rows if r["type"] in ("f32", "f16"))
worst_q8 = max((abs(r["ppl_ratio"] - 1) for r in rows if r["type"] == "q8_0"), default=float("nan"))
worst_exact = max((abs(r["ppl_ratio"] - 1) for r in rows if r["type"] in ("f32", "f16")), default=float("nan"))
q8_same = sum(r["greedy_identical"] for r in rows if r["type"] == "q8_0")
q8_total = sum(1 for r in rows if r["type"] == "q8_0")
print(f"**Reading.** llama.cpp runs every exported entry. Greedy continuations (32 tokens after a 17-token "
      f"prompt) are identical in {same} of {total} f32/f16 exports, whose perplexity is within "
      f"{100 * worst_exact:.4f}% of elastiq's; q8_0 perplexity is within {100 * worst_q8:.3f}% of elastiq's fp32 "
      f"(target 1%), and its greedy continuation is identical in {q8_same} of {q8_total} (8-bit weights may flip "
      "a near-tie, after which the continuations part). Top-1 agreement is not measured yet.\n")
print("| entry | GGUF type | greedy identical | perplexity elastiq (fp32) | perplexity llama.cpp | difference |")
print("|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['entry']} | {r['type']} | {'yes' if r['greedy_identical'] else 'no'} | {r['ppl_ours']:.4f} | "
          f"{r['ppl_llamacpp']:.4f} | {100 * (r['ppl_ratio'] - 1):+.4f}% |")
