#!/usr/bin/env python3
"""Is a palette an ordered promise? Every entry of each palette, scored by the runtime (fp32) on the
validation split of its own data and on out-of-domain text it never saw: e-mails (the spam corpus's
e-mails, ham and spam, as plain text), 65,536 tokens of each spread over the split. A larger entry
scoring worse than a smaller one is flagged, per text.
Usage: palette_order.py DATA OUT_DIR PALETTE.h5...  > experiments/results/palette_order.md
  DATA: the palettes' prepared data folder; OUT_DIR: where the out-of-domain folder is made (once).
  ELASTIQ_BIN_DIR: where elastiq is (default build/tools)."""
import datetime
import json
import os
import subprocess
import sys

E = os.path.join(os.environ.get("ELASTIQ_BIN_DIR", "build/tools"), "elastiq")
TOKENS = 65536


def elastiq(*args):
    return subprocess.run([E, *args], capture_output=True, text=True, check=True).stdout


def out_of_domain(out_dir):
    """A text folder of the spam corpus's e-mails (one document each), prepared once."""
    folder = f"{out_dir}/ood-emails"
    if os.path.exists(f"{folder}/manifest.json"):
        return folder
    elastiq("data", "prepare", "--corpus", "spam", "--out", f"{out_dir}/ood-emails-labelled")
    with open(f"{out_dir}/ood-emails.jsonl", "w") as jsonl:
        for split in ("train", "val", "test"):
            for line in open(f"{out_dir}/ood-emails-labelled/{split}.tsv", encoding="utf-8", errors="replace"):
                label, _, text = line.rstrip("\n").partition("\t")
                if text:
                    jsonl.write(json.dumps({"text": text}) + "\n")
    elastiq("data", "prepare", "--corpus", f"{out_dir}/ood-emails.jsonl", "--out", folder)
    return folder


def perplexity(palette, entry, data):
    r = json.loads(elastiq("eval", "--json", "--engine", "runtime", "--max-tokens", str(TOKENS), "--threads", "1",
                           "--model", palette, "--subnet", entry, "--data", data))
    return r["perplexity"]


def breaks(rows, column):
    """Entries (by parameters, ascending) scoring worse than some smaller entry on `column`."""
    flagged = set()
    for i, big in enumerate(rows):
        if any(small[column] < big[column] for small in rows[:i] if small["params"] < big["params"]):
            flagged.add(big["name"])
    return flagged


def main():
    data, out_dir, palettes = sys.argv[1], sys.argv[2], sys.argv[3:]
    ood = out_of_domain(out_dir)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print("# Palettes as ordered promises\n")
    print(f"Generated {datetime.date.today()} at commit {commit} on this 2-core machine. Command: "
          f"`python3 experiments/palette_order.py {' '.join(sys.argv[1:])}`. Runtime perplexity (fp32) on "
          f"{TOKENS:,} tokens spread over each validation split: *in-domain*, the palettes' own data ({data}); "
          "*e-mails*, the spam corpus's e-mails (ham and spam) as plain text, a kind of text the supernets never "
          "saw. An entry marked **out of order** scores worse than a smaller entry of the same palette.\n")
    for palette in palettes:
        entries = json.loads(elastiq("inspect", "--json", palette))["palette"]
        rows = [{"name": e["name"], "params": e["params"]} for e in entries]
        for row in rows:
            row["in"] = perplexity(palette, row["name"], data)
            row["ood"] = perplexity(palette, row["name"], ood)
            print(f"{palette} {row['name']}: {row['in']:.2f} / {row['ood']:.2f}", file=sys.stderr, flush=True)
        rows.sort(key=lambda r: r["params"])
        broken_in, broken_ood = breaks(rows, "in"), breaks(rows, "ood")
        print(f"## {palette}\n")
        print("| entry | parameters | in-domain perplexity | e-mails perplexity |")
        print("|---|---|---|---|")
        for r in rows:
            mark = lambda broken: " **out of order**" if r["name"] in broken else ""
            print(f"| {r['name']} | {r['params']:,} | {r['in']:.2f}{mark(broken_in)} | {r['ood']:.2f}{mark(broken_ood)} |")
        verdict = "in order on both texts" if not broken_in and not broken_ood else (
            f"out of order: {', '.join(sorted(broken_in)) or 'none'} in-domain, "
            f"{', '.join(sorted(broken_ood)) or 'none'} on e-mails")
        print(f"\n{verdict}.\n")


if __name__ == "__main__":
    main()
