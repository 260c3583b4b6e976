"""A built man page renders with man -l: no warnings from man or groff, and
the sections every page has."""
import os
import subprocess
import sys

page = sys.argv[1]
r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", page], capture_output=True,
                   text=True, env={**os.environ, "MANWIDTH": "80", "MAN_KEEP_FORMATTING": "",
                                   "MANPAGER": "cat", "PAGER": "cat", "LC_ALL": "C.UTF-8"})
problems = []
if r.returncode != 0:
    problems.append(f"man exited {r.returncode}")
if r.stderr.strip():
    problems.append("warnings:\n" + r.stderr)
for section in ("NAME", "SYNOPSIS" if not page.endswith(".5") else "DESCRIPTION", "SEE ALSO"):
    if f"\n{section}\n" not in "\n" + r.stdout:
        problems.append(f"no {section} section")
if problems:
    print(f"{page}: " + "; ".join(problems))
    sys.exit(1)
print(f"{page}: {len(r.stdout.splitlines())} lines, no warnings")
