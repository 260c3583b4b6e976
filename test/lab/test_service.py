"""The systemd unit mcr@.service where systemd is not PID 1 (CI,
containers): the unit's ExecStart line, as configured into the build, is run
the way systemd would run instance NAME of it, inside the lab's relay host:

- the environment file (EnvironmentFile=, here NAME.env in a temporary
  folder standing in for /etc/mcr) is read and $VAR expanded as systemd
  does (split at whitespace), %i is NAME;
- the capability bounding set is the unit's CapabilityBoundingSet= (mcr runs
  as root, so after execve its permitted and effective sets are exactly
  that set), and NoNewPrivileges= applies (both with setpriv);
- NOTIFY_SOCKET names a datagram socket the test listens on.

The test checks the readiness protocol: READY=1 from mcr's own PID, with
the one-line STATUS= that names every open port, and by then mcr has printed
"mcr: forwarding" and dropped its start-up capabilities (the last step before
the console starts; a READY sent any earlier fails here); STOPPING=1 on
SIGTERM; and that mcr really works under that bounding set: it relays, it
reloads through ExecReload=, and it takes its XDP programs off at the end."""

import os
import re
import shlex
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from labkit import BUILD_DIR, MCR, Lab, skip_unless_root
from test_privileges import CONFIG as PRIVILEGES_CONFIG

UNIT = os.path.join(BUILD_DIR, "dist", "mcr@.service")

# test_privileges' relay: one af_xdp port in, one af_packet port out.
CONFIG = PRIVILEGES_CONFIG

ENV = """# as /etc/mcr/NAME.env
MCR_EAL_ARGS="-l 0,1 --no-pci --no-huge -m 512 --log-level lib.eal:error"
MCR_ARGS=""
"""

SUMMARY = "forwarding: 2 ports (up0 af_xdp, down0 af_packet), 1 worker, 1 rule"
RULE_B = """
  - name: feed-b
    match: { port: up0, dst: 239.1.1.2, dport: 5000 }
    outputs: [ { port: down0, dst: 239.2.2.3, dport: 6000 } ]
"""

A, B = "239.2.2.2:6000", "239.2.2.3:6000"


def read_unit(path):
    """[Service] settings: name -> list of values, in order."""
    settings, section = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            if section == "Service":
                key, value = line.split("=", 1)
                settings.setdefault(key, []).append(value)
    return settings


def read_env_file(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith(("#", ";")):
                key, value = line.split("=", 1)
                words = shlex.split(value)
                env[key] = words[0] if words else ""
    return env


def expand(command, env, instance):
    """systemd's ExecStart= expansion: specifiers, then $VAR (split at
    whitespace, an empty value is no word) and ${VAR} (one word)."""
    words = []
    for word in shlex.split(command.replace("%i", instance)):
        m = re.fullmatch(r"\$(\w+)", word)
        if m:
            words += env.get(m.group(1), "").split()
            continue
        words.append(re.sub(r"\$\{(\w+)\}|\$(\w+)",
                            lambda v: env.get(v.group(1) or v.group(2), ""), word))
    return words


def bounding_set_arg(unit_caps):
    """CapabilityBoundingSet=CAP_A CAP_B -> setpriv's -all,+a,+b"""
    caps = " ".join(unit_caps).split()
    return "-all," + ",".join("+" + c.lower().removeprefix("cap_") for c in caps)


class Notifications:
    """The NOTIFY_SOCKET end: what mcr sends, with the sender's PID."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.messages = []  # (pid, {key: value}, stdout so far)

    def wait_for(self, key, timeout, stdout_of, stderr_of=lambda: "", proc=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.sock.settimeout(0.5)
            try:
                data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
            except socket.timeout:
                if proc is not None and proc.poll() is not None:
                    break  # and it said nothing
                continue
            pid = None
            for level, kind, cdata in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = int.from_bytes(cdata[0:4], "little")
            fields = dict(line.split("=", 1) for line in data.decode().splitlines())
            self.messages.append((pid, fields, stdout_of()))
            if key in fields:
                return pid, fields, self.messages[-1][2]
        raise AssertionError(f"no {key} in {timeout}s; got {self.messages}\n{stderr_of()}")

    def close(self):
        self.sock.close()


@skip_unless_root
class ServiceUnitTest(unittest.TestCase):
    def test_exec_start_under_the_units_limits_notifies_relays_and_reloads(self):
        unit = read_unit(UNIT)
        self.assertEqual(unit["Type"], ["notify"])
        with Lab() as lab, tempfile.TemporaryDirectory(prefix="mcr-unit-") as tmp:
            instance = f"svc{lab.prefix}"
            # The unit's folder for NAME.yaml and NAME.env, and its mcr.
            env_file = unit["EnvironmentFile"][0].replace("%i", instance)
            confdir = os.path.dirname(env_file)
            command = expand(unit["ExecStart"][0], {}, instance)  # paths only
            with open(os.path.join(tmp, f"{instance}.yaml"), "w") as f:
                f.write(CONFIG.replace("@P@", lab.prefix))
            with open(os.path.join(tmp, f"{instance}.env"), "w") as f:
                f.write(ENV)
            env = read_env_file(os.path.join(tmp, os.path.basename(env_file)))
            argv = [w.replace(confdir, tmp) for w in
                    expand(unit["ExecStart"][0], env, instance)]
            self.assertTrue(command[0].endswith("/mcr"), command)
            argv[0] = MCR
            self.assertIn(f"{tmp}/{instance}.yaml", argv)
            file_prefix = argv[argv.index("--file-prefix") + 1]
            self.assertEqual(file_prefix, f"mcr-{instance}")

            # MCR_SERVICE_CAPS="CAP_A CAP_B" tries another set: how the
            # unit's set was measured (doc/service.md).
            caps = os.environ.get("MCR_SERVICE_CAPS", " ".join(unit["CapabilityBoundingSet"]))
            limits = ["setpriv", "--bounding-set", bounding_set_arg([caps])]
            if unit.get("NoNewPrivileges") == ["yes"]:
                limits.append("--no-new-privs")

            notify = Notifications(os.path.join(tmp, "notify"))
            self.addCleanup(notify.close)
            out = open(os.path.join(tmp, "stdout"), "w+")
            err = open(os.path.join(tmp, "stderr"), "w+")
            self.addCleanup(out.close)
            self.addCleanup(err.close)
            self.addCleanup(lambda: subprocess.run(["rm", "-rf", f"/var/run/dpdk/{file_prefix}"]))

            def stdout():
                out.flush()
                with open(out.name) as f:
                    return f.read()

            def stderr():
                with open(err.name) as f:
                    return f.read()

            proc = lab.popen("relay", *limits, *argv, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=err, env={**os.environ, "NOTIFY_SOCKET": notify.path})
            self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))

            # READY=1 from mcr itself (NotifyAccess=main), once every port
            # forwards, with a one-line summary. Datagrams and stdout are two
            # channels: what this proves about the order is the state mcr is
            # in when READY=1 arrives (below: output, capabilities).
            pid, fields, seen = notify.wait_for("READY", 60, stdout, stderr, proc)
            self.assertEqual(pid, proc.pid)
            self.assertIn("mcr: forwarding with 2 port(s) and 1 worker(s)", seen)
            self.assertEqual(fields, {"READY": "1", "STATUS": SUMMARY})
            with open(f"/proc/{proc.pid}/status") as f:
                status = dict(l.split(":", 1) for l in f if ":" in l)
            self.assertEqual(status["NoNewPrivs"].strip(), "1")
            # Ready means mcr has also dropped what it no longer needs
            # (CAP_SETPCAP lets it): CAP_NET_ADMIN and CAP_BPF are left.
            self.assertEqual(int(status["CapEff"], 16), (1 << 12) | (1 << 39), stderr())
            self.assertIn("capabilities dropped in all", stderr())

            # It relays with this bounding set.
            sink = lab.start_sink("sink1", 200, [A])
            self.assertEqual(lab.send_udp(200), 200)
            self.assertEqual(lab.sink_result(sink)[A]["count"], 200)

            # ExecReload= as written, with $MAINPID, after a rule was added
            # to NAME.yaml: its key goes into the XDP maps (CAP_BPF).
            with open(os.path.join(tmp, f"{instance}.yaml"), "w") as f:
                f.write(CONFIG.replace("@P@", lab.prefix) + RULE_B)
            reload = expand(unit["ExecReload"][0], {"MAINPID": str(proc.pid)}, instance)
            subprocess.run(reload, check=True)
            _, fields, _ = notify.wait_for("STATUS", 20, stdout, stderr, proc)
            self.assertEqual(fields["STATUS"],
                             SUMMARY.replace("1 rule", "2 rules") + "; reloaded", stderr())
            sink = lab.start_sink("sink1", 100, [B])
            self.assertEqual(lab.send_udp(100, dst="239.1.1.2"), 100)
            self.assertEqual(lab.sink_result(sink)[B]["count"], 100)

            # systemd stops a service with SIGTERM.
            proc.send_signal(signal.SIGTERM)
            _, fields, _ = notify.wait_for("STOPPING", 20, stdout, stderr, proc)
            self.assertEqual(fields["STOPPING"], "1")
            self.assertEqual(proc.wait(30), 0, stderr())
            for side in ("r0", "r1"):
                self.assertEqual(lab.xdp_prog_id("relay", lab.iface(side)), 0, stderr())
            for line in stderr().splitlines():
                self.assertNotIn("Operation not permitted", line)
            # Before READY=1 nothing else was sent.
            first = notify.messages[0][1]
            self.assertIn("READY", first, notify.messages)


if __name__ == "__main__":
    unittest.main()
