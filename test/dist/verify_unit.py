"""systemd-analyze verify on mcr@.service as configured into the build,
instance 'lab'. verify also checks that ExecStart's program exists, so the
configured bindir (not installed yet) is pointed at the build's mcr; the
rest of the unit is verified as it is."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

unit, mcr = sys.argv[1], os.path.abspath(sys.argv[2])
with open(unit) as f:
    text = f.read()
m = re.search(r"^ExecStart=(\S+)", text, re.M)
with tempfile.TemporaryDirectory() as tmp:
    copy = os.path.join(tmp, "mcr@lab.service")
    with open(copy, "w") as f:
        f.write(text.replace(m.group(1), mcr))
    r = subprocess.run([shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze",
                        "verify", "--man=no", copy], capture_output=True, text=True)
out = (r.stdout + r.stderr).strip()
print(out)
if r.returncode != 0 or out:
    print(f"systemd-analyze verify: exit {r.returncode}")
    sys.exit(1)
print("systemd-analyze verify: ok")
