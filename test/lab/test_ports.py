"""Ports from YAML on both PMDs, in the lab: mcr receives what the
generator sends, picks or falls back between af_xdp and af_packet, and
leaves nothing behind."""

import os
import signal
import unittest

from labkit import Lab, Mcr, skip_unless_root

CONFIG = """
ports:
  - name: up0
    iface: @P@r0
    driver: {driver}
  - name: down0
    iface: @P@r1
    driver: {egress}
workers:
  lcores: [1]
pools:
  - {{ name: small, data_size: 2048, count: 8191 }}
rules:
  - name: feed-a
    match: {{ port: up0, dst: 239.1.1.1, dport: 5000 }}
    outputs:
      - {{ port: down0, dst: 239.2.2.2, dport: 6000 }}
"""


def config(driver, egress="af_packet"):
    return CONFIG.format(driver=driver, egress=egress)


@skip_unless_root
class PortsTest(unittest.TestCase):
    COUNT = 1000

    def receive_all(self, driver, expect_backend):
        with Lab() as lab, Mcr(lab, config(driver)) as mcr:
            port = mcr.port("up0")
            self.assertEqual(port["driver"], expect_backend)
            self.assertEqual(port["iface"], lab.iface("r0"))
            sent = lab.send_udp(self.COUNT)
            self.assertEqual(mcr.wait_rx("up0", sent), sent)
            self.assertEqual(mcr.stop(), 0, mcr.stderr)
            self.assertEqual(lab.xdp_prog_id("relay", lab.iface("r0")), 0,
                             "an XDP program was left on the interface")

    def test_af_xdp_receives_every_datagram(self):
        self.receive_all("af_xdp", "af_xdp")

    def test_af_packet_receives_every_datagram(self):
        self.receive_all("af_packet", "af_packet")

    def test_auto_prefers_af_xdp(self):
        self.receive_all("auto", "af_xdp")

    def attach_other_xdp(self, lab):
        obj = os.environ.get("MCR_XDP_PASS_OBJ")
        if not obj:
            self.skipTest("clang not found at configure time")
        lab.exec("relay", "ip", "link", "set", "dev", lab.iface("r0"), "xdpgeneric", "obj",
                 obj, "sec", "xdp")
        prog = lab.xdp_prog_id("relay", lab.iface("r0"))
        self.assertNotEqual(prog, 0)
        return prog

    def test_auto_falls_back_to_af_packet_when_xdp_is_taken(self):
        with Lab() as lab:
            prog = self.attach_other_xdp(lab)
            with Mcr(lab, config("auto")) as mcr:
                self.assertEqual(mcr.port("up0")["driver"], "af_packet")
                sink = lab.start_sink("sink1", 200, ["239.2.2.2:6000"])
                sent = lab.send_udp(200)
                self.assertEqual(mcr.wait_rx("up0", sent), sent)
                # Still a relay: the sink host gets every datagram.
                self.assertEqual(lab.sink_result(sink)["239.2.2.2:6000"]["count"], sent)
                self.assertEqual(mcr.telemetry("/mcr/xdp")["up0"]["loaded"], 0)
                self.assertEqual(mcr.stop(), 0)
                self.assertIn("falling back to af_packet", mcr.stderr + mcr.stdout)
                self.assertIn(f"XDP program id {prog}", mcr.stderr + mcr.stdout)
            # The other program is not ours to remove.
            self.assertEqual(lab.xdp_prog_id("relay", lab.iface("r0")), prog)

    def test_af_xdp_refuses_an_interface_held_by_another_program(self):
        with Lab() as lab:
            prog = self.attach_other_xdp(lab)
            mcr = Mcr(lab, config("af_xdp"))
            self.addCleanup(mcr.close)
            self.assertNotEqual(mcr.run_to_exit(), 0)
            self.assertIn(f"already has XDP program id {prog}", mcr.stderr)
            self.assertEqual(lab.xdp_prog_id("relay", lab.iface("r0")), prog)

    def test_missing_interface_is_a_one_line_error(self):
        with Lab() as lab:
            mcr = Mcr(lab, config("af_packet").replace("@P@r0", "@P@nope"))
            self.addCleanup(mcr.close)
            self.assertEqual(mcr.run_to_exit(), 1)
            errors = [l for l in mcr.stderr.splitlines() if l.startswith("mcr:")]
            self.assertEqual(len(errors), 1, mcr.stderr)
            self.assertIn(f"port 'up0': interface '{lab.prefix}nope' not found", errors[0])

    def test_not_enough_memory_is_a_clear_error(self):
        with Lab() as lab:
            big = config("af_packet").replace("count: 8191", "count: 400000")
            mcr = Mcr(lab, big)
            self.addCleanup(mcr.close)
            self.assertEqual(mcr.run_to_exit(), 1)
            self.assertIn("cannot create pool 'small'", mcr.stderr)
            self.assertIn("raise EAL -m", mcr.stderr)

    def test_af_xdp_fill_rings_that_would_empty_the_pool_are_refused(self):
        with Lab() as lab:
            small = config("af_xdp", "af_xdp").replace("count: 8191", "count: 5000")
            mcr = Mcr(lab, small)
            self.addCleanup(mcr.close)
            self.assertEqual(mcr.run_to_exit(), 1)
            self.assertIn("port 'down0': pool 'small' has 5000 mbufs, but af_xdp fill rings "
                          "need 4096 (2048 on earlier ports)", mcr.stderr)
            self.assertIn("raise its count to at least", mcr.stderr)

    def test_sigint_and_sigterm_exit_zero_and_clean(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            with self.subTest(signal=sig.name), Lab() as lab:
                mcr = Mcr(lab, config("af_xdp", "af_xdp")).start()
                self.addCleanup(mcr.close)
                self.assertEqual(mcr.stop(sig), 0, mcr.stderr)
                for side in ("r0", "r1"):
                    self.assertEqual(lab.xdp_prog_id("relay", lab.iface(side)), 0)
                self.assertFalse(os.path.exists(mcr.telemetry_path))

    def test_running_mcr_keeps_only_net_admin_and_bpf(self):
        cap_net_admin, cap_bpf = 12, 39
        wanted = (1 << cap_net_admin) | (1 << cap_bpf)
        with Lab() as lab, Mcr(lab, config("af_xdp", "af_packet")) as mcr:
            tasks = os.listdir(f"/proc/{mcr.proc.pid}/task")
            self.assertGreaterEqual(len(tasks), 4)  # main, worker, EAL's threads
            for tid in tasks:
                with open(f"/proc/{mcr.proc.pid}/task/{tid}/status") as f:
                    status = dict(l.split(":", 1) for l in f if ":" in l)
                for field in ("CapEff", "CapPrm", "CapBnd"):
                    with self.subTest(thread=status["Name"].strip(), field=field):
                        self.assertEqual(int(status[field], 16), wanted)
            # Still a working relay with those: rules change, XDP maps update.
            self.assertEqual(mcr.ctl("rule", "add", "x", "match", "port", "up0", "dst",
                                     "239.1.1.9", "dport", "5000", "output", "port",
                                     "down0").returncode, 0)
            sent = lab.send_udp(100, dst="239.1.1.9")
            self.assertEqual(mcr.wait_rx("up0", sent), sent)
            self.assertEqual(mcr.rule("x")["packets"], sent)
            self.assertEqual(mcr.stop(), 0)
            # CAP_NET_ADMIN was enough to take the XDP programs off.
            self.assertEqual(lab.xdp_prog_id("relay", lab.iface("r0")), 0)
            self.assertEqual(lab.xdp_prog_id("relay", lab.iface("r1")), 0)

    def test_lab_leaves_nothing_behind(self):
        with Lab() as lab:
            prefix = lab.prefix
        netns = os.popen("ip netns list").read()
        links = os.popen("ip -br link").read()
        self.assertNotIn(prefix, netns)
        self.assertNotIn(prefix, links)


if __name__ == "__main__":
    unittest.main()
