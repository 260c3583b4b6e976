"""Runtime control in the lab: every console command from a pipe, a file
and mcr-ctl; malformed commands change nothing; rules added and deleted
1,000 times without disturbing other flows; reload by SIGHUP."""

import os
import signal
import subprocess
import tempfile
import time
import unittest

from labkit import MCR, MCR_CTL, TRAFFIC_PY, Lab, Mcr, skip_unless_root

CONFIG = """
ports:
  - { name: up0, iface: "@P@r0", driver: af_xdp }
  - { name: down0, iface: "@P@r1", driver: af_xdp }
workers:
  lcores: [1]
pools:
  - { name: small, data_size: 2048, count: 8191 }
rules:
  - name: feed-a
    match: { port: up0, dst: 239.1.1.1, dport: 5000 }
    outputs: [ { port: down0, dst: 239.2.2.2, dport: 6000 } ]
  - name: feed-b
    match: { port: up0, dst: 239.1.1.2, dport: 5000 }
    outputs: [ { port: down0, dst: 239.4.4.4, dport: 6000 } ]
"""

RULE_C = ("rule add feed-c match port up0 dst 239.1.1.3 dport 5000 "
          "output port down0 dst 239.6.6.6 dport 6000")
A, B, C = "239.2.2.2:6000", "239.4.4.4:6000", "239.6.6.6:6000"

EVERY_COMMAND = [
    "help", "show port stats all", "show port stats up0", "show port xstats up0",
    "clear port stats all", "show rules", "show rule feed-a", "show drops", "show pools",
    "show workers", "show xdp", RULE_C, "show rule feed-c", "rule del feed-c", "reload",
    "show neighbours", "save",
]

MALFORMED = [
    "frobnicate", "show", "show port", "show port stats", "show port stats nosuch",
    "show port xstats nosuch", "show rule nosuch", "show rules extra", "clear port stats up0",
    "rule", "rule add", "rule add feed-x", "rule add feed-x match port up0",
    "rule add feed-x match port up0 dst 239.1.1.9 dport 5000",
    "rule add feed-x match port up0 dst 239.1.1.9 dport 99999 output port down0",
    "rule add feed-x match port up0 dst 239.1.1.9 dport 5000 output port nosuch",
    "rule add feed-x match port nosuch dst 239.1.1.9 dport 5000 output port down0",
    "rule add feed-a match port up0 dst 239.1.1.9 dport 5000 output port down0",
    "rule add feed-x match port up0 dst 239.1.1.1 dport 5000 output port down0",
    "rule add feed-x match port up0 dst 239.1.1.9 dport 5000 output port up0",
    "rule add bad!name match port up0 dst 239.1.1.9 dport 5000 output port down0",
    "rule add feed-x match port up0 dst 239.1.1.9 dport 5000 output port down0 ttl 0",
    "rule add feed-x match port up0 dst 239.1.1.9 dport 5000 output port down0 mac zz",
    "rule add feed-x match port up0 dst 239.1.1.9 dport 5000 output port down0 dscp 64",
    "rule del", "rule del nosuch", "reload now", "save /nonexistent-dir/mcr.yaml",
    "save a b", "show neighbours all",
]

# Three flows, interleaved, each with its own sequence numbers.
SEND_FLOWS = """
import socket, sys, time
sys.path.insert(0, sys.argv[1])
from traffic import make_payload
n, dsts = int(sys.argv[2]), sys.argv[3:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)
for i in range(n):
    for d in dsts:
        s.sendto(make_payload(i, 64), (d, 5000))
    if i % 8 == 7:
        time.sleep(0.001)
"""


def state(mcr):
    return (mcr.rules(), mcr.telemetry("/mcr/ports"),
            mcr.ctl("show rules").stdout)


@skip_unless_root
class ControlTest(unittest.TestCase):
    def test_every_command_from_a_pipe(self):
        with Lab() as lab:
            mcr = Mcr(lab, CONFIG, stdin_text="\n".join(EVERY_COMMAND) + "\n").start()
            self.addCleanup(mcr.close)
            time.sleep(1)
            self.assertEqual(mcr.stop(), 0)
        out = mcr.stdout
        self.assertNotIn("error:", out)
        for expected in ("show port stats NAME", "######## port up0", "RX-packets:",
                         "port counters cleared", "feed-a", "239.1.1.1:5000", "no-rule",
                         "in-use", "worker 0 lcore 1", "program id", "rule feed-c added",
                         "rule add feed-c match port up0 dst 239.1.1.3 dport 5000",
                         "rule feed-c deleted", "0 rule(s) added, 0 changed, 0 removed",
                         "no unicast output looks up a neighbour", "reassembly_timeout_ms:"):
            self.assertIn(expected, out)

    def test_every_command_from_a_file_and_mcr_ctl(self):
        with Lab() as lab, tempfile.NamedTemporaryFile("w", suffix=".cmd") as f:
            f.write("\n".join(EVERY_COMMAND) + "\n")
            f.flush()
            with Mcr(lab, CONFIG, extra_args=("--cmdline-file", f.name, "--no-console")) as mcr:
                for command in EVERY_COMMAND:
                    with self.subTest(command=command):
                        r = mcr.ctl(*command.split())
                        self.assertEqual(r.returncode, 0, r.stderr)
                        self.assertEqual(r.stderr, "")
                self.assertIn("feed-a", mcr.ctl("show rules").stdout)
                self.assertEqual(mcr.ctl("quit").returncode, 0)
                mcr.proc.wait(10)
                self.assertEqual(mcr.proc.returncode, 0)
                self.assertNotIn("error:", mcr.read_output()[0])

    def test_malformed_commands_change_nothing(self):
        self.assertGreaterEqual(len(MALFORMED), 20)
        with Lab() as lab, Mcr(lab, CONFIG) as mcr:
            lab.send_udp(50)
            time.sleep(0.3)
            before = state(mcr)
            for command in MALFORMED:
                with self.subTest(command=command):
                    r = mcr.ctl(*command.split())
                    self.assertEqual(r.returncode, 1, r.stdout)
                    lines = r.stderr.strip().splitlines()
                    self.assertTrue(lines and lines[0].startswith("error: "), r.stderr)
                    self.assertEqual(state(mcr), before)
            # The same through the console pipe of another mcr: one error each.
        with Lab() as lab:
            mcr = Mcr(lab, CONFIG, stdin_text="\n".join(MALFORMED) + "\n").start()
            self.addCleanup(mcr.close)
            time.sleep(1)
            mcr.stop()
            errors = [l for l in mcr.stdout.splitlines() if l.startswith("error: ")]
            self.assertEqual(len(errors), len(MALFORMED), mcr.stdout)

    def test_mcr_ctl_without_mcr_fails_cleanly(self):
        r = subprocess.run([MCR_CTL, "--socket", "/nonexistent/mcr.sock", "help"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot reach mcr", r.stderr)

    def test_rule_churn_is_hitless_for_other_flows(self):
        n = 6000
        with Lab() as lab, Mcr(lab, CONFIG) as mcr:
            sink = lab.start_sink("sink1", n, [A, B, C + "?"], seconds=90)
            sender = lab.popen("gen", "/usr/bin/python3", "-c", SEND_FLOWS,
                               TRAFFIC_PY.rsplit("/", 1)[0], str(n), "239.1.1.1", "239.1.1.2",
                               "239.1.1.3")
            churn = mcr.ctl(input=f"{RULE_C}\nrule del feed-c\n" * 1000)
            self.assertEqual(churn.returncode, 0, churn.stderr[-500:])
            self.assertEqual(churn.stdout.count("rule feed-c added"), 1000)
            self.assertEqual(sender.wait(120), 0)
            got = lab.sink_result(sink, timeout=120)
            for flow in (A, B):
                with self.subTest(flow=flow):
                    self.assertEqual(got[flow]["count"], n)
                    self.assertEqual(got[flow]["out_of_order"], 0)
                    self.assertEqual(got[flow]["bad_payload"], 0)
            self.assertLess(got[C]["count"], n)
            self.assertEqual(got[C]["out_of_order"], 0)

            # C's traffic starts and stops with its rule.
            for present, expected in ((False, 0), (True, 200), (False, 0)):
                if present:
                    self.assertEqual(mcr.ctl(*RULE_C.split()).returncode, 0)
                sink = lab.start_sink("sink1", 200, [C], seconds=3)
                lab.send_udp(200, dst="239.1.1.3")
                self.assertEqual(lab.sink_result(sink)[C]["count"], expected)
                if present:
                    self.assertEqual(mcr.ctl("rule", "del", "feed-c").returncode, 0)

    def test_reload_by_sighup(self):
        with Lab() as lab, Mcr(lab, CONFIG) as mcr:
            def rules():
                return mcr.rules()

            def hup():
                mcr.proc.send_signal(signal.SIGHUP)
                time.sleep(0.5)

            # Add C, change A's output port, remove B.
            edited = CONFIG.replace("dst: 239.2.2.2, dport: 6000", "dst: 239.2.2.2, dport: 6001")
            edited = edited.replace("name: feed-b\n    match: { port: up0, dst: 239.1.1.2",
                                    "name: feed-c\n    match: { port: up0, dst: 239.1.1.3")
            mcr.rewrite_config(edited)
            hup()
            self.assertEqual(sorted(rules()), ["feed-a", "feed-c"])
            self.assertEqual(rules()["feed-a"]["outputs"]["0"]["dport"], 6001)
            sink = lab.start_sink("sink1", 100, ["239.2.2.2:6001"])
            lab.send_udp(100)
            self.assertEqual(lab.sink_result(sink)["239.2.2.2:6001"]["count"], 100)

            # An invalid edit and a port change are refused; traffic goes on.
            for bad, says in ((edited.replace("dport: 6001", "dport: 6001x"),
                               "expected an integer for 'dport'"),
                              (edited.replace('"@P@r1"', '"@P@s1"'), "port 'down0' changed")):
                mcr.rewrite_config(bad)
                sink = lab.start_sink("sink1", 100, ["239.2.2.2:6001"])
                hup()
                lab.send_udp(100)
                self.assertEqual(lab.sink_result(sink)["239.2.2.2:6001"]["count"], 100)
                self.assertEqual(sorted(rules()), ["feed-a", "feed-c"])
                self.assertIn(says, mcr.read_output()[1])
            self.assertIn("mcr.yaml:", mcr.read_output()[1])  # FILE:LINE:COL

            # And the console's reload does the same as SIGHUP.
            mcr.rewrite_config(CONFIG)
            r = mcr.ctl("reload")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("1 rule(s) added, 1 changed, 1 removed", r.stdout)
            self.assertEqual(sorted(rules()), ["feed-a", "feed-b"])

    def test_telemetry_and_console_agree(self):
        import re
        with Lab() as lab, Mcr(lab, CONFIG.replace("driver: af_xdp", "driver: af_packet")) as mcr:
            lab.send_udp(300)
            lab.send_udp(40, dst="239.9.9.9")  # no rule
            time.sleep(0.5)
            rule = mcr.rule("feed-a")
            shown = mcr.ctl("show", "rule", "feed-a").stdout
            self.assertIn(f"received: {rule['packets']} packets, {rule['bytes']} bytes", shown)
            self.assertRegex(shown, rf"output 0: .* packets +{rule['outputs']['0']['packets']} ")
            self.assertEqual(rule["packets"], 300)
            port = mcr.telemetry("/mcr/ports")["up0"]
            stats = mcr.ctl("show", "port", "stats", "up0").stdout
            self.assertIn(f"RX-packets: {port['rx_packets']} ", stats)
            drops = mcr.telemetry("/mcr/drops")
            by_port = {p: mcr.telemetry(f"/mcr/drops,{p}") for p in ("up0", "down0")}
            self.assertEqual(drops["no_rule"], 40)
            self.assertEqual(by_port["up0"]["no_rule"], 40)  # the ingress port's
            self.assertEqual(by_port["down0"]["no_rule"], 0)
            lines = mcr.ctl("show", "drops").stdout.splitlines()
            self.assertEqual(lines[0].split(), ["reason", "total", "up0", "down0"])
            rows = [line.split() for line in lines[1:]]
            self.assertEqual(len(rows), len(drops))
            for name, total, up0, down0 in rows:
                key = name.replace("-", "_")
                self.assertEqual((drops[key], by_port["up0"][key], by_port["down0"][key]),
                                 (int(total), int(up0), int(down0)), name)
            self.assertIn("error", mcr.telemetry("/mcr/drops,nosuch"))


@skip_unless_root
class SaveTest(unittest.TestCase):
    def test_saved_running_config_checks_and_restarts_with_console_rules(self):
        with Lab() as lab:
            with Mcr(lab, CONFIG) as mcr:
                self.assertEqual(mcr.ctl(*RULE_C.split()).returncode, 0)
                self.assertEqual(mcr.ctl("rule", "del", "feed-b").returncode, 0)
                printed = mcr.ctl("save")
                self.assertEqual(printed.returncode, 0, printed.stderr)
                self.assertIn("name: feed-c", printed.stdout)
                self.assertNotIn("feed-b", printed.stdout)
                path = os.path.join(mcr.dir.name, "saved.yaml")
                r = mcr.ctl("save", path)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn(f"saved 2 rule(s) to {path}", r.stdout)
                with open(path) as f:
                    saved = f.read()
                self.assertEqual(saved, printed.stdout)
                self.assertEqual([n for n in os.listdir(mcr.dir.name) if "saved" in n],
                                 ["saved.yaml"])  # no temporary left behind
                bad = mcr.ctl("save", "/nonexistent-dir/mcr.yaml")
                self.assertEqual(bad.returncode, 1)
                self.assertIn("error: save: cannot write /nonexistent-dir/mcr.yaml: "
                              "No such file or directory", bad.stderr)
                check = subprocess.run([MCR, "--", "--config", path, "--check"],
                                       capture_output=True, text=True)
                self.assertEqual(check.returncode, 0, check.stderr)
                self.assertIn("ok (2 ports, 2 rules)", check.stdout)

            # A restart from the saved file relays the rule added live.
            with Mcr(lab, saved) as again:
                self.assertEqual(sorted(again.rules()), ["feed-a", "feed-c"])
                sink = lab.start_sink("sink1", 100, [C])
                lab.send_udp(100, dst="239.1.1.3")
                self.assertEqual(lab.sink_result(sink)[C]["count"], 100)


@skip_unless_root
class ShutdownTest(unittest.TestCase):
    def test_sigterm_with_traffic_running_exits_0_with_every_buffer_back(self):
        # af_packet copies into and out of its rings, so after shutdown no
        # pool may have a buffer in use. (The af_xdp PMD of DPDK 22.11 keeps
        # its fill-ring buffers when it closes; doc/architecture.md.)
        config = CONFIG.replace("driver: af_xdp", "driver: af_packet")
        with Lab() as lab, Mcr(lab, config) as mcr:
            sender = lab.popen("gen", "/usr/bin/python3", "-c", SEND_FLOWS,
                               TRAFFIC_PY.rsplit("/", 1)[0], "20000", "239.1.1.1", "239.1.1.2")
            time.sleep(1.5)
            self.assertGreater(mcr.port("up0")["rx_packets"], 0)  # traffic is flowing
            self.assertEqual(mcr.stop(signal.SIGTERM), 0)
            sender.kill()
            sender.wait()
            log = mcr.stderr
            for pool in ("small", "clone", "header"):
                with self.subTest(pool=pool):
                    self.assertRegex(log, rf"pool {pool}: 0 of \d+ mbufs in use after shutdown")


if __name__ == "__main__":
    unittest.main()
