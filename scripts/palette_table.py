#!/usr/bin/env python3
"""Prints the quickstart's palette table (entry, parameters, bytes read per token, validation
perplexity in each format) from the JSON lines of `elastiq eval --json` and `elastiq bench --json`."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1])]
cell = {(r["subnet"], r["format"]): r for r in rows}
formats = ["fp32", "w8a8", "ternary"]
print(f"{'entry':6} {'params':>10}  " + "  ".join(f"{f + ' MB/token':>17}" for f in formats) + "  " +
      "  ".join(f"{f + ' ppl':>12}" for f in formats))
for s in dict.fromkeys(r["subnet"] for r in rows):
    params = cell[(s, "fp32")]["eval"]["params"]
    mb = "  ".join(f"{cell[(s, f)]['bench']['weight_bytes_per_token'] / 1e6:17.3f}" for f in formats)
    ppl = "  ".join(f"{cell[(s, f)]['eval']['perplexity']:12.2f}" for f in formats)
    print(f"{s:6} {params:10,}  {mb}  {ppl}")
