"""Fragments and MTUs on real kernels, on both PMDs: 4,000-byte datagrams
that the generator's kernel fragments at MTU 1500 are reassembled by mcr and
reach a kernel socket on the sink whole; an egress port with a smaller MTU
gets fragments (DF clear) or counts too-big (DF set); veths with MTU 9000
relay 8,000-byte datagrams on af_packet, and mcr refuses af_xdp there, and a
too small af_packet.frame_size, with a message naming the limit;
workers.reassembly_flows: 0 turns reassembly off."""

import os
import time
import unittest

from labkit import Lab, Mcr, skip_unless_root

CONFIG = """
ports:
  - {{ name: up0, iface: "@P@r0", driver: {driver}{port_extra} }}
  - {{ name: down0, iface: "@P@r1", driver: {driver}{port_extra} }}
workers:
  lcores: [1]
pools:
  - {{ name: small, data_size: 2048, count: 8191 }}
  - {{ name: big, data_size: {big}, count: 1023 }}
rules:
  - name: feed-a
    match: {{ port: up0, dst: 239.1.1.1, dport: 5000 }}
    outputs:
      - {{ port: down0, dst: 239.2.2.2, dport: 6000 }}
"""

SINK = ("239.2.2.2:6000",)

# Sends make_payload datagrams from the generator with the given
# IP_MTU_DISCOVER mode: 0 (DONT, DF clear: the kernel fragments what exceeds
# its MTU) or 2 (DO, DF set).
SENDER = r"""
import socket, sys, time
sys.path.insert(0, sys.argv[1])
from traffic import make_payload
count, size, pmtu = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)
s.setsockopt(socket.IPPROTO_IP, 10, pmtu)  # IP_MTU_DISCOVER
s.bind(("198.18.1.2", 4000))
for i in range(count):
    s.sendto(make_payload(i, size), ("239.1.1.1", 5000))
    if i % 8 == 7:
        time.sleep(0.002)
print(count)
"""

PMTUDISC_DONT = 0
PMTUDISC_DO = 2


# af_packet: the 22.11 PMD's fanout has the kernel reassemble fragments
# (PACKET_FANOUT_FLAG_DEFRAG) before mcr sees them, so its ring frames must
# hold the whole datagram (and a pool the frame).
AF_PACKET_4K = ", af_packet: { block_size: 8192, frame_size: 8192, frame_count: 1024 }"


def config(driver, big=8192, port_extra=None):
    if port_extra is None:
        port_extra = AF_PACKET_4K if driver == "af_packet" else ""
    return CONFIG.format(driver=driver, big=big, port_extra=port_extra)


@skip_unless_root
class FragmentTest(unittest.TestCase):
    COUNT = 300

    def send(self, lab, size, pmtu):
        out = lab.exec("gen", "/usr/bin/python3", "-c", SENDER,
                       os.path.dirname(os.path.abspath(__file__)), str(self.COUNT), str(size),
                       str(pmtu)).stdout
        return int(out.strip())

    def set_mtu(self, lab, mtu, *links):
        """links: (host, side) pairs, e.g. ("relay", "r1")."""
        for host, side in links:
            lab.exec(host, "ip", "link", "set", "dev", lab.iface(side), "mtu", str(mtu))

    def workers(self, mcr):
        return mcr.telemetry("/mcr/workers")["worker0"]

    def assert_pools_idle(self, mcr, idle):
        time.sleep(0.5)  # af_xdp frees sent frames in a later TX call
        pools = mcr.telemetry("/mcr/pools")
        for name, in_use in idle.items():
            self.assertEqual(pools[name]["in_use"], in_use, f"pool {name} leaked mbufs")

    def relay_fragmented(self, driver):
        # 4,000 bytes: three fragments at the generator's MTU 1500 in, three
        # again out of mcr (DF clear) at down0's 1500; the sink's kernel
        # reassembles them for its socket.
        with Lab() as lab, Mcr(lab, config(driver)) as mcr:
            idle = {name: p["in_use"] for name, p in mcr.telemetry("/mcr/pools").items()}
            sink = lab.start_sink("sink1", self.COUNT, SINK)
            sent = self.send(lab, 4000, PMTUDISC_DONT)
            got = lab.sink_result(sink)[SINK[0]]
            self.assertEqual(got["count"], sent)
            self.assertEqual(got["bad_payload"], 0)
            self.assertEqual(got["out_of_order"], 0)
            w = self.workers(mcr)
            # On af_packet the kernel reassembled them for mcr (see above).
            self.assertEqual(w["reassembled"], sent if driver == "af_xdp" else 0)
            self.assertEqual(w["fragmented"], sent)
            self.assertEqual(w["fragments_out"], 3 * sent)
            self.assertEqual(mcr.port("up0")["rx_packets"], (3 if driver == "af_xdp" else 1) * sent)
            self.assertEqual(mcr.port("down0")["tx_packets"], 3 * sent)
            drops = mcr.telemetry("/mcr/drops")
            for reason in ("fragment", "reassembly_timeout", "reassembly_failed", "too_big",
                           "no_buffer"):
                self.assertEqual(drops.get(reason, 0), 0, reason)
            self.assert_pools_idle(mcr, idle)
            self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def test_af_packet_4000_byte_datagrams_arrive_whole(self):
        self.relay_fragmented("af_packet")

    def test_af_xdp_4000_byte_datagrams_arrive_whole(self):
        self.relay_fragmented("af_xdp")

    def test_af_xdp_without_reassembly_fragments_are_dropped(self):
        # workers.reassembly_flows: 0 turns reassembly off.
        cfg = config("af_xdp").replace("lcores: [1]", "lcores: [1]\n  reassembly_flows: 0")
        with Lab() as lab, Mcr(lab, cfg) as mcr:
            sink = lab.start_sink("sink1", 1, SINK, seconds=3)
            sent = self.send(lab, 4000, PMTUDISC_DONT)
            self.assertEqual(lab.sink_result(sink)[SINK[0]]["count"], 0)
            self.assertEqual(mcr.telemetry("/mcr/drops")["fragment"], 3 * sent)
            self.assertEqual(self.workers(mcr)["reassembled"], 0)
            self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def smaller_egress_mtu(self, driver):
        # down0 at MTU 1280: 1,400-byte datagrams with DF clear leave as two
        # fragments each; with DF set they are too big and counted.
        with Lab() as lab:
            self.set_mtu(lab, 1280, ("relay", "r1"))
            with Mcr(lab, config(driver)) as mcr:
                sink = lab.start_sink("sink1", self.COUNT, SINK)
                sent = self.send(lab, 1400, PMTUDISC_DONT)
                got = lab.sink_result(sink)[SINK[0]]
                self.assertEqual(got["count"], sent)
                self.assertEqual(got["bad_payload"], 0)
                w = self.workers(mcr)
                self.assertEqual(w["reassembled"], 0)
                self.assertEqual(w["fragmented"], sent)
                self.assertEqual(w["fragments_out"], 2 * sent)

                sink = lab.start_sink("sink1", 1, SINK, seconds=3)
                sent_df = self.send(lab, 1400, PMTUDISC_DO)
                self.assertEqual(lab.sink_result(sink)[SINK[0]]["count"], 0)
                self.assertEqual(mcr.telemetry("/mcr/drops")["too_big"], sent_df)
                rule = mcr.rule("feed-a")
                self.assertEqual(sum(rule["outputs"]["0"]["drops"].values()), sent_df)
                self.assertEqual(rule["outputs"]["0"]["packets"], 2 * sent)
                self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def test_af_packet_smaller_egress_mtu(self):
        self.smaller_egress_mtu("af_packet")

    def test_af_xdp_smaller_egress_mtu(self):
        self.smaller_egress_mtu("af_xdp")

    JUMBO_LINKS = (("gen", "g0"), ("relay", "r0"), ("relay", "r1"), ("sink1", "s1"))
    JUMBO_AF_PACKET = ", af_packet: { block_size: 16384, frame_size: 16384, frame_count: 512 }"

    def test_af_packet_jumbo_relay_on_mtu_9000(self):
        with Lab() as lab:
            self.set_mtu(lab, 9000, *self.JUMBO_LINKS)
            cfg = config("af_packet", big=16384, port_extra=self.JUMBO_AF_PACKET)
            with Mcr(lab, cfg) as mcr:
                sink = lab.start_sink("sink1", self.COUNT, SINK)
                sent = self.send(lab, 8000, PMTUDISC_DO)
                got = lab.sink_result(sink)[SINK[0]]
                self.assertEqual(got["count"], sent)
                self.assertEqual(got["bad_payload"], 0)
                w = self.workers(mcr)
                self.assertEqual((w["reassembled"], w["fragmented"]), (0, 0))
                self.assertEqual(mcr.port("down0")["tx_packets"], sent)
                self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def refused(self, lab, cfg, *expected):
        mcr = Mcr(lab, cfg)
        try:
            code = mcr.run_to_exit()
        finally:
            mcr.close()
        self.assertNotEqual(code, 0)
        for text in expected:
            self.assertIn(text, mcr.stderr + mcr.stdout)

    def test_af_packet_frame_size_must_hold_the_mtu(self):
        with Lab() as lab:
            self.set_mtu(lab, 9000, *self.JUMBO_LINKS)
            # The default frame_size (2048) cannot hold a 9000-byte MTU.
            self.refused(lab, config("af_packet", big=9216, port_extra=""),
                         "af_packet.frame_size 2048", "has MTU 9000",
                         "set af_packet.frame_size to 16384")

    def test_af_xdp_refuses_an_mtu_beyond_a_page(self):
        with Lab() as lab:
            self.set_mtu(lab, 9000, *self.JUMBO_LINKS)
            cfg = config("af_xdp", big=9216).replace("count: 1023", "count: 4095")
            self.refused(lab, cfg, "has MTU 9000",
                         "more than the af_xdp PMD takes")


if __name__ == "__main__":
    unittest.main()
