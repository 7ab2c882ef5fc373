#!/usr/bin/env python3
"""Fails when an #include crosses the layers the wrong way (docs/ARCHITECTURE.md, "Layers").

Each folder may include only itself and the folders listed for it; tests/ and experiments/ may
include everything. Run from anywhere: python3 scripts/check_layers.py [ROOT]. Exit 1 lists every
offending line as FILE:LINE: FOLDER may not include INCLUDED.
"""
import pathlib
import re
import sys

SRC = ["src/core", "src/kernels", "src/format", "src/text", "src/runtime"]
# folder -> the folders it may include besides itself (top of the list = bottom of the house).
ALLOWED = {
    "src/core": [],
    "src/kernels": ["src/core"],
    "src/format": ["src/core"],
    "src/text": ["src/core", "src/format"],
    "src/runtime": ["src/core", "src/kernels", "src/format", "src/text"],
    "supernet": SRC,
    "lowrank": SRC + ["supernet"],
    "quant": SRC + ["supernet"],
    "tools": SRC + ["supernet", "lowrank", "quant"],
}
# LibTorch-free files outside src/: they may include only src/ (and their own LibTorch-free neighbours).
TORCH_FREE = {"quant/weight_quant.h", "quant/weight_quant.cc", "quant/quantize_file.h", "quant/quantize_file.cc",
              "quant/gguf_export.h", "quant/gguf_export.cc", "quant/gguf_blocks.h", "quant/gguf_blocks.cc",
              "lowrank/palette_options.h"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def folder_of(path):
    """The layer a repository path belongs to: src/<sub> or the top-level folder."""
    parts = path.split("/")
    if parts[0] == "src" and len(parts) > 2:
        return "src/" + parts[1]
    return parts[0]


def violations(root):
    for file in sorted(root.rglob("*")):
        if file.suffix not in (".h", ".cc") or not file.is_file():
            continue
        rel = file.relative_to(root).as_posix()
        layer = folder_of(rel)
        if layer not in ALLOWED:
            continue  # tests/, experiments/, build trees
        allowed = {layer, *ALLOWED[layer]}
        if rel in TORCH_FREE:
            allowed = set(SRC) | {layer}
        for number, line in enumerate(file.read_text(errors="replace").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match or "/" not in match.group(1):
                continue
            included = match.group(1)
            target = folder_of(included)
            if target not in ALLOWED:
                continue  # not one of ours
            if target not in allowed or (rel in TORCH_FREE and included not in TORCH_FREE and target == layer):
                yield f"{rel}:{number}: {layer} may not include {included}"


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    found = list(violations(root))
    for line in found:
        print(line)
    if found:
        print(f"check_layers: {len(found)} include(s) against the layers (docs/ARCHITECTURE.md)", file=sys.stderr)
        return 1
    print("check_layers: every include points down the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
