"""Interfaces that come and go under a running mcr, on both PMDs.

Two independent port pairs: flow A enters on in0 (the generator's link)
and leaves on out0 (sink1); flow B enters on in1 (from sink3) and leaves
on out1 (sink2). Flow B runs steadily throughout and must lose nothing.
- An interface deleted and created again (the veth pair re-made with the
  same names, addresses and neighbours): mcr logs port down and up, counts
  it, re-attaches XDP, re-joins the group, and flow A relays again; flow
  B's counter in mcr never stands still meanwhile. The same for the egress
  interface, whose new MAC the relayed frames then carry.
- Link down and up (no re-creation): the port stays open and relays again.
"""

import os
import re
import subprocess
import sys
import threading
import time
import unittest

from labkit import Lab, Mcr, skip_unless_root, run

STEADY_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "steady.py")

CONFIG = """
ports:
  - {{ name: in0, iface: "@P@r0", driver: {driver} }}
  - {{ name: out0, iface: "@P@r1", driver: {driver} }}
  - {{ name: out1, iface: "@P@r2", driver: {driver} }}
  - {{ name: in1, iface: "@P@r3", driver: {driver} }}
workers:
  lcores: [1]
pools:
  - {{ name: small, data_size: 2048, count: 16383 }}
rules:
  - name: flow-a
    match: {{ port: in0, dst: 239.1.1.1, dport: 5000 }}
    outputs:
      - {{ port: out0, dst: 239.2.2.2, dport: 6000 }}
  - name: flow-b
    match: {{ port: in1, dst: 239.5.5.5, dport: 5000 }}
    outputs:
      - {{ port: out1, dst: 239.6.6.6, dport: 6000 }}
"""

FLOW_B_COUNT = 8000
FLOW_B_RATE = 1000  # 8 s of traffic, across the whole down/up


def mac_of(ns, iface):
    out = run("ip", "-n", ns, "-br", "link", "show", "dev", iface).stdout
    return out.split()[2]


def recreate_link(lab, host, side, host_side, subnet):
    """A relay link again, as tools/lab.sh makes it: relay side .1, the
    other host's side .2 with its default route through the relay."""
    other, relay = lab.ns(host), lab.ns("relay")
    o, r = lab.iface(host_side), lab.iface(side)
    run("ip", "link", "add", o, "netns", other, "type", "veth", "peer", "name", r, "netns", relay)
    run("ip", "-n", other, "addr", "add", f"{subnet}.2/24", "dev", o)
    run("ip", "-n", relay, "addr", "add", f"{subnet}.1/24", "dev", r)
    run("ip", "-n", other, "link", "set", o, "up")
    run("ip", "-n", relay, "link", "set", r, "up")
    run("ip", "-n", other, "neigh", "replace", f"{subnet}.1", "lladdr", mac_of(relay, r),
        "dev", o, "nud", "permanent")
    run("ip", "-n", relay, "neigh", "replace", f"{subnet}.2", "lladdr", mac_of(other, o),
        "dev", r, "nud", "permanent")
    run("ip", "-n", other, "route", "replace", "default", "via", f"{subnet}.1")


def recreate_ingress(lab):
    recreate_link(lab, "gen", "r0", "g0", "198.18.1")


class StallWatch:
    """Samples a port's tx_packets every 50 ms from a thread: the longest
    time it stood still is how long the port's flow stopped in mcr."""

    def __init__(self, mcr, port):
        self.mcr, self.port = mcr, port
        self.longest = 0.0
        self.samples = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self):
        last_count, last_change = None, time.monotonic()
        while not self.stop.is_set():
            count = self.mcr.port(self.port)["tx_packets"]
            now = time.monotonic()
            self.samples += 1
            if count != last_count:
                last_count, last_change = count, now
            self.longest = max(self.longest, now - last_change)
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


@skip_unless_root
class IfacesTest(unittest.TestCase):
    def wait_log(self, mcr, pattern, timeout):
        """Seconds until `pattern` is in mcr's output."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            out, err = mcr.read_output()
            if re.search(pattern, out + err):
                return time.monotonic() - start
            self.assertIsNone(mcr.proc.poll(), f"mcr exited:\n{out}\n{err}")
            time.sleep(0.05)
        self.fail(f"no '{pattern}' in {timeout} s:\n{''.join(mcr.read_output())}")

    def start_flow_b(self, lab):
        sink = lab.start_sink("sink2", FLOW_B_COUNT, ["239.6.6.6:6000"], seconds=40)
        sender = lab.popen("sink3", sys.executable, STEADY_PY, str(FLOW_B_COUNT),
                           str(FLOW_B_RATE), "239.5.5.5", "5000", "200", "198.18.4.2",
                           stdout=subprocess.PIPE, text=True)
        return sink, sender

    def check_flow_b(self, lab, sink, sender):
        out, _ = sender.communicate(timeout=60)
        self.assertEqual(int(out.strip()), FLOW_B_COUNT)
        got = lab.sink_result(sink, timeout=60)["239.6.6.6:6000"]
        self.assertEqual(got["count"], FLOW_B_COUNT, "flow B, on other ports, lost packets")
        self.assertEqual(got["out_of_order"], 0)

    def check_flow_a(self, lab, count=500):
        sink = lab.start_sink("sink1", count, ["239.2.2.2:6000"], seconds=20)
        sent = lab.send_udp(count)
        got = lab.sink_result(sink)["239.2.2.2:6000"]
        self.assertEqual(got["count"], sent, "flow A does not relay")
        self.assertEqual(got["bad_payload"], 0)

    def delete_and_recreate(self, driver):
        with Lab(sinks=3) as lab, Mcr(lab, CONFIG.format(driver=driver),
                                      extra_args=["--reopen-ports"]) as mcr:
            relay, r0 = lab.ns("relay"), lab.iface("r0")
            self.check_flow_a(lab)
            xdp_before = lab.xdp_prog_id("relay", r0)
            self.assertNotEqual(xdp_before, 0)
            sink, sender = self.start_flow_b(lab)
            time.sleep(1.5)

            with StallWatch(mcr, "out1") as flow_b:
                time.sleep(0.5)
                run("ip", "-n", relay, "link", "del", r0)
                took = self.wait_log(mcr, rf"port in0: interface {r0} .* was deleted.*port down",
                                     3)
                self.assertLessEqual(took, 1.5, "detection takes up to a second")
                self.assertEqual(mcr.port("in0")["state"], "down")
                time.sleep(1)
                recreate_ingress(lab)
                took = self.wait_log(mcr, r"port in0: up again", 5)
                self.assertLessEqual(took, 3)
                time.sleep(0.5)
            # Flow B sends every millisecond: mcr's out1 never stands still
            # for long (telemetry waits while a port is being reopened).
            self.assertGreater(flow_b.samples, 20)
            self.assertLess(flow_b.longest, 0.5, "flow B stopped in mcr meanwhile")

            port = mcr.port("in0")
            self.assertEqual(port["state"], "up")
            self.assertEqual(port["down_count"], 1)
            self.assertEqual(port["reopen_count"], 1)
            self.assertNotEqual(lab.xdp_prog_id("relay", r0), 0, "no XDP program on the new iface")
            maddr = run("ip", "-n", relay, "maddr", "show", "dev", r0).stdout
            self.assertIn("239.1.1.1", maddr, "group not joined again")
            show = mcr.ctl("show", "port", "stats", "in0")
            self.assertIn("State: up (interface deleted: down 1, reopened 1)", show.stdout)
            self.check_flow_a(lab)
            self.check_flow_b(lab, sink, sender)
            self.assertEqual(mcr.port("out1")["tx_packets"], FLOW_B_COUNT)
            self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def egress_deleted_and_recreated(self, driver):
        with Lab(sinks=3) as lab, Mcr(lab, CONFIG.format(driver=driver),
                                      extra_args=["--reopen-ports"]) as mcr:
            relay, r1 = lab.ns("relay"), lab.iface("r1")
            self.check_flow_a(lab)
            run("ip", "-n", relay, "link", "del", r1)
            self.wait_log(mcr, rf"port out0: interface {r1} .* was deleted", 3)
            # What flow A sends meanwhile is dropped as port-down, counted.
            lab.send_udp(100)
            time.sleep(0.3)
            self.assertEqual(mcr.telemetry("/mcr/drops")["port_down"], 100)
            recreate_link(lab, "sink1", "r1", "s1", "198.18.2")
            self.wait_log(mcr, r"port out0: up again", 5)
            self.assertNotIn("keeps its old headers", "".join(mcr.read_output()))
            # The rule's output was compiled again: the new interface's MAC.
            tcpdump = lab.popen("sink1", "timeout", "10", "tcpdump", "-l", "-e", "-n", "-c", "1",
                                "-i", lab.iface("s1"), "udp", "port", "6000",
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            time.sleep(1)
            self.check_flow_a(lab)
            out, _ = tcpdump.communicate(timeout=20)
            source_mac = re.search(r"([0-9a-f:]{17}) >", out).group(1)
            self.assertEqual(source_mac, mac_of(relay, r1))
            self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def link_down_up(self, driver):
        with Lab(sinks=3) as lab, Mcr(lab, CONFIG.format(driver=driver)) as mcr:
            relay = lab.ns("relay")
            self.check_flow_a(lab)
            sink, sender = self.start_flow_b(lab)
            time.sleep(1.5)
            for side in ("r0", "r1"):  # ingress, then egress of flow A
                run("ip", "-n", relay, "link", "set", lab.iface(side), "down")
                time.sleep(2)
                run("ip", "-n", relay, "link", "set", lab.iface(side), "up")
                time.sleep(0.5)
                self.check_flow_a(lab)
            self.check_flow_b(lab, sink, sender)
            for name in ("in0", "out0"):
                port = mcr.port(name)
                self.assertEqual((port["state"], port["down_count"]), ("up", 0))
            self.assertIsNone(mcr.proc.poll())
            self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def refused(self, driver, pattern, pool_count=16383, extra_args=()):
        """The interface comes back but the port cannot reopen: said once,
        the port stays down, mcr keeps running."""
        config = CONFIG.format(driver=driver).replace("count: 16383", f"count: {pool_count}")
        with Lab(sinks=3) as lab, Mcr(lab, config, extra_args=extra_args) as mcr:
            run("ip", "-n", lab.ns("relay"), "link", "del", lab.iface("r0"))
            self.wait_log(mcr, r"port in0: .* was deleted", 3)
            recreate_ingress(lab)
            self.wait_log(mcr, pattern, 5)
            time.sleep(2.5)  # not tried again every second on the same interface
            out, err = mcr.read_output()
            self.assertEqual(len(re.findall(r"port in0: interface .* is back", err)), 1, err)
            port = mcr.port("in0")
            self.assertEqual((port["state"], port["down_count"], port["reopen_count"]),
                             ("down", 1, 0))
            self.check_flow_b_burst(lab)
            self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def check_flow_b_burst(self, lab, count=300):
        sink = lab.start_sink("sink2", count, ["239.6.6.6:6000"], seconds=20)
        lab.exec("sink3", sys.executable, STEADY_PY, str(count), "2000", "239.5.5.5", "5000",
                 "200", "198.18.4.2")
        self.assertEqual(lab.sink_result(sink)["239.6.6.6:6000"]["count"], count)

    def test_without_reopen_ports_the_port_stays_down_and_says_why(self):
        self.refused("af_packet",
                     r"cannot be opened again: mcr gave up CAP_NET_RAW .*--reopen-ports")

    def test_af_xdp_reopen_refused_when_the_pool_cannot_spare_fill_rings(self):
        # 4 af_xdp ports hold 4 x 2048 fill-ring buffers, lcore caches 2 x
        # 512, 512 to work with: 9728 of 10239. A re-open takes 2048 more.
        self.refused("af_xdp", r"cannot be opened again: .*raise its count .*give back on close",
                     pool_count=10239, extra_args=["--reopen-ports"])

    def test_af_xdp_iface_deleted_and_recreated(self):
        self.delete_and_recreate("af_xdp")

    def test_af_packet_iface_deleted_and_recreated(self):
        self.delete_and_recreate("af_packet")

    def test_af_xdp_egress_deleted_and_recreated(self):
        self.egress_deleted_and_recreated("af_xdp")

    def test_af_packet_egress_deleted_and_recreated(self):
        self.egress_deleted_and_recreated("af_packet")

    def test_af_xdp_link_down_up(self):
        self.link_down_up("af_xdp")

    def test_af_packet_link_down_up(self):
        self.link_down_up("af_packet")


if __name__ == "__main__":
    unittest.main()
