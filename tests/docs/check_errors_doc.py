#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
# Fails when docs/parser.md's error table and the parser's error list disagree.
import re
import subprocess
import sys

errnames, doc = sys.argv[1], sys.argv[2]
code = {}
for line in subprocess.run([errnames], check=True, capture_output=True, text=True).stdout.splitlines():
    name, reason = line.split("\t")
    code[name] = reason
documented = {}
for m in re.finditer(r"^\| `([a-z_]+)` \| (.+?) \|$", open(doc).read(), re.M):
    documented[m.group(1)] = m.group(2)

code.pop("ok")
problems = []
for name, reason in code.items():
    if name not in documented:
        problems.append(f"{name}: not documented")
    elif documented[name] != reason:
        problems.append(f"{name}: doc says '{documented[name]}', code says '{reason}'")
for name in documented:
    if name not in code:
        problems.append(f"{name}: documented but not an error of the parser")
for p in problems:
    print(p)
print(f"{len(code)} parser errors checked against {doc}")
sys.exit(1 if problems else 0)
