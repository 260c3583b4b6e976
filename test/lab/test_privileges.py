"""Least privilege with --user, in the lab: once its ports are up, every
thread of mcr runs as that user (uid, gid, supplementary groups) with only
CAP_NET_ADMIN and CAP_BPF left; mcr still relays, still changes rules (XDP
maps), still answers root's mcr-ctl and takes its XDP programs off at
shutdown. An unknown user stops mcr before anything starts.

The user is `nobody`, which Debian always has: the test creates none."""

import os
import pwd
import subprocess
import unittest

from labkit import MCR, MCR_CTL, SOURCE_DIR, Lab, Mcr, skip_unless_root

CONFIG = """
ports:
  - { name: up0, iface: "@P@r0", driver: af_xdp }
  - { name: down0, iface: "@P@r1", driver: af_packet }
workers:
  lcores: [1]
pools:
  - { name: small, data_size: 2048, count: 8191 }
rules:
  - name: feed-a
    match: { port: up0, dst: 239.1.1.1, dport: 5000 }
    outputs: [ { port: down0, dst: 239.2.2.2, dport: 6000 } ]
"""

RULE_X = ("rule add x match port up0 dst 239.1.1.9 dport 5000 "
          "output port down0 dst 239.2.2.9 dport 6000")
A, X = "239.2.2.2:6000", "239.2.2.9:6000"
CAP_NET_ADMIN, CAP_BPF = 12, 39
KEPT = (1 << CAP_NET_ADMIN) | (1 << CAP_BPF)


def task_status(pid, tid):
    with open(f"/proc/{pid}/task/{tid}/status") as f:
        return {k: v.strip() for k, v in (l.split(":", 1) for l in f if ":" in l)}


@skip_unless_root
class UserTest(unittest.TestCase):
    def test_every_thread_runs_as_the_user_with_net_admin_and_bpf_only(self):
        user = pwd.getpwnam("nobody")
        groups = sorted(os.getgrouplist(user.pw_name, user.pw_gid))
        with Lab() as lab:
            mcr = Mcr(lab, CONFIG, extra_args=("--user", "nobody"))
            # EAL's runtime folder is root's and out of the user's reach:
            # without shared files EAL does not look for secondaries there.
            mcr.args.insert(mcr.args.index("--"), "--no-shconf")
            self.addCleanup(mcr.close)
            mcr.start()
            pid = mcr.proc.pid
            with open(f"/proc/{pid}/status") as f:
                self.assertIn(f"Uid:\t{user.pw_uid}\t", f.read())
            tasks = os.listdir(f"/proc/{pid}/task")
            self.assertGreaterEqual(len(tasks), 4)  # main, worker, EAL's threads
            for tid in tasks:
                status = task_status(pid, tid)
                name = status["Name"]
                with self.subTest(thread=name):
                    # real, effective, saved, filesystem
                    self.assertEqual(status["Uid"].split(), [str(user.pw_uid)] * 4)
                    self.assertEqual(status["Gid"].split(), [str(user.pw_gid)] * 4)
                    self.assertEqual(sorted(map(int, status["Groups"].split())), groups)
                for field in ("CapEff", "CapPrm", "CapBnd"):
                    with self.subTest(thread=name, field=field):
                        self.assertEqual(int(status[field], 16), KEPT)
                for field in ("CapInh", "CapAmb"):
                    with self.subTest(thread=name, field=field):
                        self.assertEqual(int(status[field], 16), 0)

            # Root started mcr and owns its control socket: root's mcr-ctl
            # still works. A rule added now goes into the XDP maps (CAP_BPF).
            r = mcr.ctl(*RULE_X.split())
            self.assertEqual(r.returncode, 0, r.stderr)
            # The user mcr runs as cannot reach the socket (root's 0700
            # runtime folder, and the peer check wants root).
            r = lab.exec("relay", "setpriv", "--reuid", str(user.pw_uid), "--regid",
                         str(user.pw_gid), "--clear-groups", MCR_CTL, "--file-prefix",
                         mcr.file_prefix, "rule", "del", "x", check=False)
            self.assertNotEqual(r.returncode, 0, r.stdout)
            self.assertIn("x", mcr.rules())

            # Still a relay: both rules, to kernel sockets on the sink host.
            sink = lab.start_sink("sink1", 200, [A, X])
            sent = lab.send_udp(200) + lab.send_udp(200, dst="239.1.1.9")
            self.assertEqual(sent, 400)
            got = lab.sink_result(sink)
            for flow in (A, X):
                with self.subTest(flow=flow):
                    self.assertEqual(got[flow]["count"], 200)
                    self.assertEqual(got[flow]["bad_payload"], 0)

            self.assertEqual(mcr.stop(), 0, mcr.stderr)
            # As nobody, with CAP_NET_ADMIN: ports closed and removed, XDP
            # programs off, and nothing to complain about.
            for side in ("r0", "r1"):
                self.assertEqual(lab.xdp_prog_id("relay", lab.iface(side)), 0)
            self.assertIn(f"mcr.app: running as user nobody (uid {user.pw_uid}, gid {user.pw_gid}",
                          mcr.stderr)
            for line in mcr.stderr.splitlines():
                self.assertFalse(line.startswith("EAL:") or ": remove " in line, line)

    def test_reload_reads_the_config_as_the_user(self):
        with Lab() as lab, Mcr(lab, CONFIG, extra_args=("--user", "nobody")) as mcr:
            # The test's config folder is root's, 0700: nobody cannot read it.
            r = mcr.ctl("reload")
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn("Permission denied", r.stderr)
            self.assertIn("feed-a", mcr.rules())  # nothing changed
            os.chmod(mcr.dir.name, 0o755)
            os.chmod(mcr.config, 0o644)
            mcr.rewrite_config(CONFIG.replace("dport: 6000", "dport: 6001"))
            r = mcr.ctl("reload")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("0 rule(s) added, 1 changed, 0 removed", r.stdout)
            self.assertEqual(mcr.rule("feed-a")["outputs"]["0"]["dport"], 6001)
            # With EAL's shared files (the default), EAL cannot list its
            # runtime folder at shutdown any more; it says so, and mcr
            # still stops cleanly.
            self.assertEqual(mcr.stop(), 0, mcr.stderr)


class UnknownUserTest(unittest.TestCase):
    def test_unknown_user_is_one_line_and_nothing_starts(self):
        config = os.path.join(SOURCE_DIR, "config", "lab.yaml")
        prefix = f"mcr-nouser-{os.getpid()}"
        for extra in ((), ("--check",)):
            with self.subTest(extra=extra):
                r = subprocess.run([MCR, "--no-pci", "--no-huge", "-m", "512", "--file-prefix",
                                    prefix, "--", "--config", config, "--user", "no-such-user",
                                    *extra], capture_output=True, text=True, timeout=30)
                self.assertEqual(r.returncode, 1)
                self.assertEqual(r.stderr, "mcr: --user: no such user 'no-such-user'\n")
                self.assertEqual(r.stdout, "")
                # EAL never started: no runtime folder.
                self.assertFalse(os.path.exists(f"/var/run/dpdk/{prefix}"))


if __name__ == "__main__":
    unittest.main()
