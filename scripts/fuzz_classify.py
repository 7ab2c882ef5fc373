#!/usr/bin/env python3
"""Says whose bug a fuzzer's crash report shows: `ours` when the first stack frame that is either
elastiq code or a library we call sits in elastiq code (or the report names one of our sources),
`upstream:<library>` when it sits in libhdf5 or libsentencepiece.
   fuzz_classify.py REPORT_FILE   -> prints ours | upstream:libhdf5 | upstream:libsentencepiece"""
import re
import sys

UPSTREAM = ("libhdf5", "libsentencepiece")
OURS = re.compile(r"/(src|quant|tests/fuzz)/[\w/]+\.(cc|h):\d+")

text = open(sys.argv[1], errors="replace").read()
if not re.search(r"ERROR: |runtime error:|deadly signal|ALARM: |out-of-memory|terminate called", text):
    print("unreproduced")
    sys.exit(0)
verdict = "ours"
for line in text.splitlines():
    if "runtime error:" in line and OURS.search(line):
        break  # UBSan names our line
    if not re.match(r"\s+#\d+ 0x", line):
        continue
    library = next((lib for lib in UPSTREAM if lib in line), None)
    if library:
        verdict = "upstream:" + library
        break
    if OURS.search(line) and "LLVMFuzzerTestOneInput" not in line:
        break
print(verdict)
