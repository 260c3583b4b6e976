"""The whole appliance relays in the lab: a group fanned out 1:3 (two
groups and one unicast address) reaches ordinary kernel sockets on the
sink host intact, on both PMDs; counters agree; pools return to idle. A
source-specific rule takes its source's traffic and no other."""

import time
import unittest

from labkit import Lab, Mcr, skip_unless_root

CONFIG = """
ports:
  - {{ name: up0, iface: "@P@r0", driver: {driver} }}
  - {{ name: down0, iface: "@P@r1", driver: {driver} }}
workers:
  lcores: [1]
pools:
  - {{ name: small, data_size: 2048, count: 8191 }}
rules:
  - name: feed-a
    match: {{ port: up0, dst: 239.1.1.1, dport: 5000 }}
    outputs:
      - {{ port: down0, dst: 239.2.2.2, dport: 6000 }}
      - {{ port: down0, dst: 239.3.3.3, dport: 6001, ttl: 4 }}
      - {{ port: down0, dst: 198.18.2.2, dport: 7000 }}
"""

SINK_ENDPOINTS = ("239.2.2.2:6000", "239.3.3.3:6001", "198.18.2.2:7000")


@skip_unless_root
class RelayTest(unittest.TestCase):
    COUNT = 2000

    def relay_one_to_three(self, driver, size):
        with Lab() as lab, Mcr(lab, CONFIG.format(driver=driver)) as mcr:
            idle = {name: p["in_use"] for name, p in mcr.telemetry("/mcr/pools").items()}
            sink = lab.start_sink("sink1", self.COUNT, SINK_ENDPOINTS)
            sent = lab.send_udp(self.COUNT, size=size)
            got = lab.sink_result(sink)
            for endpoint in SINK_ENDPOINTS:
                with self.subTest(endpoint=endpoint):
                    self.assertEqual(got[endpoint]["count"], sent)
                    self.assertEqual(got[endpoint]["bad_payload"], 0)
                    self.assertEqual(got[endpoint]["out_of_order"], 0)

            rule = mcr.rule("feed-a")
            self.assertEqual(rule["packets"], sent)
            for i in range(3):
                self.assertEqual(rule["outputs"][str(i)]["packets"], sent)
                self.assertEqual(sum(rule["outputs"][str(i)]["drops"].values()), 0)
            self.assertEqual(mcr.port("down0")["tx_packets"], 3 * sent)
            self.assertEqual(mcr.port("up0")["rx_packets"], sent)

            # The af_xdp PMD frees sent frames in a later TX call; an idle
            # worker makes those within 300 us.
            time.sleep(0.5)
            pools = mcr.telemetry("/mcr/pools")
            for name, in_use in idle.items():
                self.assertEqual(pools[name]["in_use"], in_use, f"pool {name} leaked mbufs")
            self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def test_af_xdp_64_bytes(self):
        self.relay_one_to_three("af_xdp", 64)

    def test_af_xdp_1400_bytes(self):
        self.relay_one_to_three("af_xdp", 1400)

    def test_af_packet_64_bytes(self):
        self.relay_one_to_three("af_packet", 64)

    def test_af_packet_1400_bytes(self):
        self.relay_one_to_three("af_packet", 1400)

    def source_specific(self, driver):
        # 239.1.1.1 from 198.18.1.3 has its own (S,G) rule; from anyone
        # else it takes the (*,G) one. 239.1.1.9 has only a (*,G) rule and
        # must not be affected by the (S,G) rule of another group.
        config = CONFIG.format(driver=driver) + """
  - name: feed-a-from-3
    match: { port: up0, dst: 239.1.1.1, dport: 5000, src: 198.18.1.3 }
    outputs:
      - { port: down0, dst: 239.4.4.4, dport: 6004 }
  - name: feed-b
    match: { port: up0, dst: 239.1.1.9, dport: 5000 }
    outputs:
      - { port: down0, dst: 239.5.5.5, dport: 6005 }
"""
        endpoints = ("239.2.2.2:6000", "239.4.4.4:6004", "239.5.5.5:6005")
        with Lab() as lab, Mcr(lab, config) as mcr:
            lab.add_gen_address("198.18.1.3")
            sink = lab.start_sink("sink1", self.COUNT, endpoints)
            from_2 = lab.send_udp(self.COUNT, dst="239.1.1.1")
            from_3 = lab.send_udp(self.COUNT, dst="239.1.1.1", src="198.18.1.3")
            other = lab.send_udp(self.COUNT, dst="239.1.1.9")
            got = lab.sink_result(sink)
            for endpoint, sent in zip(endpoints, (from_2, from_3, other)):
                with self.subTest(endpoint=endpoint):
                    self.assertEqual(got[endpoint]["count"], sent)
                    self.assertEqual(got[endpoint]["bad_payload"], 0)
                    self.assertEqual(got[endpoint]["out_of_order"], 0)
            rules = mcr.rules()
            self.assertEqual(rules["feed-a"]["packets"], from_2)
            self.assertEqual(rules["feed-a-from-3"]["packets"], from_3)
            self.assertEqual(rules["feed-b"]["packets"], other)
            self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def test_source_specific_rule_wins_for_its_source_only_on_af_xdp(self):
        self.source_specific("af_xdp")

    def test_source_specific_rule_wins_for_its_source_only_on_af_packet(self):
        self.source_specific("af_packet")

    def unmatched_traffic(self, driver):
        with Lab() as lab, Mcr(lab, CONFIG.format(driver=driver)) as mcr:
            sink = lab.start_sink("sink1", 10**9, SINK_ENDPOINTS, seconds=3)
            lab.send_udp(100, dst="239.9.9.9", dport=5000)   # no rule: group
            lab.send_udp(100, dst="239.1.1.1", dport=5001)   # no rule: port
            got = lab.sink_result(sink)
            self.assertEqual(sum(v["count"] for v in got.values()), 0)
            self.assertEqual(mcr.rule("feed-a")["packets"], 0)
            return mcr.telemetry("/mcr/drops"), mcr.telemetry("/mcr/xdp")["up0"]

    def test_unmatched_traffic_stays_with_the_kernel_on_af_xdp(self):
        drops, xdp = self.unmatched_traffic("af_xdp")
        # mcr's XDP program passes it to the kernel: mcr never sees it.
        self.assertEqual(xdp["pass_other"], 200)
        self.assertEqual(xdp["redirect"], 0)
        self.assertEqual(drops["no_rule"], 0)

    def test_unmatched_traffic_is_counted_as_no_rule_on_af_packet(self):
        drops, xdp = self.unmatched_traffic("af_packet")
        # af_packet sees every frame; the XDP program only passes them on.
        self.assertEqual(xdp["pass_other"], 200)
        self.assertEqual(drops["no_rule"], 200)


if __name__ == "__main__":
    unittest.main()
