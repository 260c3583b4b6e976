"""An output's source address and DSCP, as kernel sockets on the sink host
see them, on both PMDs: `src: keep` arrives from the generator's address
(unicast and multicast), `src: A.B.C.D` from that address, the default from
the relay's egress port; `dscp` rewrites the upper six bits of the TOS byte
and keeps the ECN bits, and without it the TOS arrives as sent. The same
from a rule added with `rule add`, and `show rule` and telemetry say so."""

import os
import subprocess
import unittest

from labkit import Lab, Mcr, skip_unless_root

PROBE_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "header_probe.py")

GENERATOR = "198.18.1.2"
RELAY_DOWN = "198.18.2.1"   # the egress port's own address
GIVEN_SRC = "198.18.2.77"   # on the sink's link, owned by nobody
SENT_TOS = (10 << 2) | 0x1  # DSCP 10 (AF11), ECN ECT(1)

CONFIG = """
ports:
  - {{ name: up0, iface: "@P@r0", driver: {driver} }}
  - {{ name: down0, iface: "@P@r1", driver: {driver} }}
workers:
  lcores: [1]
rules:
  - name: feed-a
    match: {{ port: up0, dst: 239.1.1.1, dport: 5000 }}
    outputs:
      - {{ port: down0, dst: 239.2.2.2, dport: 6000, src: keep }}
      - {{ port: down0, dst: 198.18.2.2, dport: 7000, src: keep }}
      - {{ port: down0, dst: 239.3.3.3, dport: 6001, dscp: 46 }}
      - {{ port: down0, dst: 239.4.4.4, dport: 6002, src: {given}, dscp: 0 }}
      - {{ port: down0, dst: 239.5.5.5, dport: 6003 }}
"""

# endpoint: (source address, TOS) every datagram must arrive with.
EXPECTED = {
    "239.2.2.2:6000": (GENERATOR, SENT_TOS),
    "198.18.2.2:7000": (GENERATOR, SENT_TOS),
    "239.3.3.3:6001": (RELAY_DOWN, (46 << 2) | 0x1),
    "239.4.4.4:6002": (GIVEN_SRC, 0x1),
    "239.5.5.5:6003": (RELAY_DOWN, SENT_TOS),
}

RULE_B = "rule add feed-b match port up0 dst 239.1.1.9 dport 5000 " \
         "output port down0 dst 239.6.6.6 dport 6004 dscp 34 src keep"


@skip_unless_root
class OutputFieldsTest(unittest.TestCase):
    COUNT = 500

    def start_probe(self, lab, endpoints):
        proc = lab.popen("sink1", "/usr/bin/python3", PROBE_PY, "receive", "20",
                         str(self.COUNT), *endpoints, stdout=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        if line.strip() != "ready":
            proc.kill()
            raise AssertionError(f"probe did not start: {line}")
        return proc

    def send(self, lab, dst):
        out = lab.exec("gen", "/usr/bin/python3", PROBE_PY, "send", str(self.COUNT), dst,
                       "5000", str(SENT_TOS)).stdout
        return int(out.strip())

    def check(self, got, expected, sent):
        for endpoint, (source, tos) in expected.items():
            with self.subTest(endpoint=endpoint):
                seen = got[endpoint]
                self.assertEqual(seen["count"], sent, seen)
                self.assertEqual(seen["bad_payload"], 0)
                self.assertEqual(seen["sources"], {source: sent})
                self.assertEqual(seen["tos"], {str(tos): sent})

    def source_and_dscp(self, driver):
        with Lab() as lab, Mcr(lab, CONFIG.format(driver=driver, given=GIVEN_SRC)) as mcr:
            probe = self.start_probe(lab, EXPECTED)
            lab.exec("relay", "sleep", "0.3")  # the IGMP joins reach the relay's kernel
            sent = self.send(lab, "239.1.1.1")
            self.check(Lab.sink_result(probe), EXPECTED, sent)

            rule = mcr.rule("feed-a")
            self.assertEqual([rule["outputs"][str(i)]["src"] for i in range(5)],
                             ["keep", "keep", RELAY_DOWN, GIVEN_SRC, RELAY_DOWN])
            self.assertEqual([rule["outputs"][str(i)]["dscp"] for i in range(5)],
                             ["keep", "keep", "46", "0", "keep"])
            for i in range(5):
                self.assertEqual(rule["outputs"][str(i)]["packets"], sent)
                self.assertEqual(sum(rule["outputs"][str(i)]["drops"].values()), 0)
            # af_packet also sees the host's other traffic (IGMP: not_udp).
            drops = mcr.telemetry("/mcr/drops")
            for reason in ("bad_checksum", "ttl_expired", "no_buffer", "tx_full"):
                self.assertEqual(drops[reason], 0, drops)

            # A runtime rule takes the same keys.
            added = mcr.ctl(*RULE_B.split())
            self.assertEqual(added.returncode, 0, added.stdout + added.stderr)
            shown = mcr.ctl("show", "rule", "feed-b").stdout
            self.assertIn(RULE_B.replace("dscp 34 src keep", "src keep dscp 34"), shown)
            self.assertRegex(shown, r"output 0: down0 239\.6\.6\.6:6004 src keep dscp 34 ")
            expected_b = {"239.6.6.6:6004": (GENERATOR, (34 << 2) | 0x1)}
            probe = self.start_probe(lab, expected_b)
            lab.exec("relay", "sleep", "0.3")
            sent = self.send(lab, "239.1.1.9")
            self.check(Lab.sink_result(probe), expected_b, sent)
            self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def test_source_and_dscp_on_af_xdp(self):
        self.source_and_dscp("af_xdp")

    def test_source_and_dscp_on_af_packet(self):
        self.source_and_dscp("af_packet")


if __name__ == "__main__":
    unittest.main()
