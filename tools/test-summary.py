#!/usr/bin/env python3
"""Counts test cases, not meson test programs, from meson's testlog.json
files (one per build):
GoogleTest and unittest print their own totals; anything else counts as one
case. Prints "N passed, N failed[, N skipped]" and exits 1 on any failure."""

import json
import os
import re
import sys


def count(entry):
    # unittest reports on stderr, GoogleTest on stdout.
    out = (entry.get("stdout") or "") + "\n" + (entry.get("stderr") or "")
    result = entry["result"]
    g_pass = re.search(r"^\[  PASSED  \] (\d+) test", out, re.M)
    if g_pass or re.search(r"^\[  FAILED  \] (\d+) test", out, re.M):
        passed = int(g_pass.group(1)) if g_pass else 0
        failed = re.search(r"^\[  FAILED  \] (\d+) test", out, re.M)
        skipped = re.search(r"^\[  SKIPPED \] (\d+) test", out, re.M)
        p, f, s = passed, int(failed.group(1)) if failed else 0, int(skipped.group(1)) if skipped else 0
    elif re.search(r"^Ran (\d+) tests? in", out, re.M):
        ran = int(re.search(r"^Ran (\d+) tests? in", out, re.M).group(1))
        tail = out[out.rfind("Ran "):]
        f = sum(int(n) for n in re.findall(r"(?:failures|errors)=(\d+)", tail))
        s = sum(int(n) for n in re.findall(r"skipped=(\d+)", tail))
        p = ran - f - s
    else:
        p, f, s = (1, 0, 0) if result == "OK" else (0, 0, 1) if result == "SKIP" else (0, 1, 0)
    # A crash or time-out after a clean count is still a failure.
    if result not in ("OK", "SKIP", "EXPECTEDFAIL") and f == 0:
        f = 1
    return p, f, s


def build_name(path):
    """build-asan/meson-logs/testlog.json -> asan"""
    folder = os.path.basename(os.path.dirname(os.path.dirname(os.path.abspath(path))))
    return folder[len("build-"):] if folder.startswith("build-") else folder


def main(paths):
    passed = failed = skipped = 0
    for path in paths:
        # The other builds' tests have the first build's names: tag them
        # with their folder, less "build-" (build-asan, build-fuzz).
        tag = "" if len(paths) == 1 or path == paths[0] else f" [{build_name(path)}]"
        with open(path) as log:
            for line in log:
                entry = json.loads(line)
                p, f, s = count(entry)
                name = entry["name"] + tag
                print(f"  {name:<40} {entry['result']:<8} {p} passed, {f} failed, {s} skipped")
                passed, failed, skipped = passed + p, failed + f, skipped + s
    summary = f"{passed} passed, {failed} failed"
    if skipped:
        summary += f", {skipped} skipped"
    print(summary)
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["build/meson-logs/testlog.json"]))
