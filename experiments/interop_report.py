#!/usr/bin/env python3
"""interop.md from gguf_llamacpp_check.sh's check.jsonl: per palette entry and GGUF type, whether
llama.cpp's greedy continuation equals elastiq's, both perplexities on the same test tokens, and the
share of positions where both predict the same next token (top-1 agreement).
Usage: interop_report.py CHECK.jsonl PALETTE LLAMA_COMMIT COMMAND > interop.md"""
import json
import platform
import sys

from report_common import cpu_name, short_commit, utc_date

# What each type must meet (perplexity within this of elastiq's reference on the same weights).
TARGETS = {"f32": 0.01, "f16": 0.01, "q8_0": 0.01, "tq2_0": 0.02, "tq1_0": 0.02}
REFERENCE = {"fp32": "elastiq fp32", "ternary": "elastiq ternary"}

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
commit = short_commit()
print("# Interop: exported GGUFs in llama.cpp against elastiq's runtime\n")
cpu = cpu_name(platform.machine())
print(f"Measured {utc_date()} at commit {commit} on {cpu} ({platform.machine()}, 2 cores), "
      f"llama.cpp {sys.argv[3]} built from its public source (CPU, shared libraries). Model: `{sys.argv[2]}`. "
      f"Command: `{sys.argv[4]}` (raw rows: the .jsonl of the same name). elastiq's reference is its runtime "
      "with the fp32 KV cache: fp32 weights for f32/f16/q8_0 exports, its ternary weights (the packed copy "
      "the tq types carry) for tq2_0/tq1_0.\n")
print("**Reading.**")
for kind in dict.fromkeys(r["type"] for r in rows):
    of = [r for r in rows if r["type"] == kind]
    worst = max(abs(r["ppl_ratio"] - 1) for r in of)
    met = "meets" if worst <= TARGETS.get(kind, 0) else "MISSES"
    print(f"- {kind}: greedy continuation (32 tokens after a 17-token prompt) identical in "
          f"{sum(r['greedy_identical'] for r in of)} of {len(of)}; perplexity within {100 * worst:.4f}% of "
          f"elastiq's ({met} the {100 * TARGETS.get(kind, 0):.0f}% target); top-1 agreement "
          f"{100 * min(r['top1_agreement'] for r in of):.2f}% at worst over {of[0]['top1_positions']} positions.")
print()
print("| entry | GGUF type | q8_0 fallback tensors | GGUF MB | greedy identical | top-1 agreement | "
      "perplexity elastiq | perplexity llama.cpp | difference |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['entry']} | {r['type']} | {r.get('fallback_q8_0_tensors', 0)} | {r.get('gguf_bytes', 0) / 1e6:.2f} | "
          f"{'yes' if r['greedy_identical'] else 'no'} | {100 * r['top1_agreement']:.2f}% | "
          f"{r['ppl_ours']:.4f} ({REFERENCE[r.get('elastiq_format', 'fp32')]}) | {r['ppl_llamacpp']:.4f} | "
          f"{100 * (r['ppl_ratio'] - 1):+.4f}% |")
