"""What the publisher shows of unicast outputs in the running appliance
(issue 13): `show neighbours` and /mcr/neighbours agree on each next hop
and its MAC; an output whose neighbour never answers is published all the
same, counts no-neighbour drops (per output and in /mcr/drops) while the
rule's other output relays; a rule replaced by `reload` keeps its counters."""

import re
import time
import unittest

from labkit import Lab, Mcr, skip_unless_root

CONFIG = """
ports:
  - { name: up0, iface: "@P@r0", driver: af_xdp }
  - { name: down0, iface: "@P@r1", driver: af_xdp }
workers:
  lcores: [1]
pools:
  - { name: small, data_size: 2048, count: 8191 }
rules:
  - name: uni
    match: { port: up0, dst: 239.1.1.1, dport: 5000 }
    outputs:
      - { port: down0, dst: 198.18.2.2, dport: 7000 }
      - { port: down0, dst: 198.18.2.99, dport: 7000 }
"""

SINK, NOBODY = "198.18.2.2:7000", "198.18.2.99"


@skip_unless_root
class PublishTest(unittest.TestCase):
    def test_neighbours_drops_and_counters_through_replacement(self):
        with Lab() as lab, Mcr(lab, CONFIG) as mcr:
            sink_mac = lab.exec("sink1", "cat",
                                f"/sys/class/net/{lab.iface('s1')}/address").stdout.strip()
            shown = mcr.ctl("show", "neighbours").stdout
            self.assertRegex(shown, rf"down0 +198\.18\.2\.2 +198\.18\.2\.2 +{sink_mac} +uni\n")
            self.assertRegex(shown, r"down0 +198\.18\.2\.99 +198\.18\.2\.99 +unresolved +uni\n")
            tel = mcr.telemetry("/mcr/neighbours")
            self.assertEqual((tel["total"], tel["offset"], tel["next"]), (2, 0, None))
            by_dst = {n["destination"]: n for n in tel["neighbours"].values()}
            self.assertEqual(by_dst[NOBODY]["rule_count"], 1)
            self.assertIn("error", mcr.telemetry("/mcr/neighbours,x"))
            self.assertEqual(by_dst["198.18.2.2"]["mac"], sink_mac)
            self.assertEqual(by_dst[NOBODY]["mac"], "unresolved")
            self.assertEqual(by_dst[NOBODY]["rules"], "uni")

            sink = lab.start_sink("sink1", 200, [SINK])
            lab.send_udp(200)
            self.assertEqual(lab.sink_result(sink)[SINK]["count"], 200)
            time.sleep(0.3)
            rule = mcr.rule("uni")
            self.assertEqual(rule["packets"], 200)
            self.assertEqual(rule["outputs"]["0"]["packets"], 200)
            self.assertEqual(rule["outputs"]["1"]["drops"]["no_neighbour"], 200)
            self.assertEqual(mcr.telemetry("/mcr/drops")["no_neighbour"], 200)
            # show drops: reason, total, then a column per port (up0, down0).
            drops = {m[0]: m[1:] for m in re.findall(r"^ +(\S+) +(\d+) +(\d+) +(\d+)$",
                                                     mcr.ctl("show", "drops").stdout, re.M)}
            self.assertEqual(drops["no-neighbour"], ("200", "0", "200"))

            # Replaced by a reload (another UDP port on the unresolved
            # output): the rule's counters carry on.
            mcr.rewrite_config(CONFIG.replace("dst: 198.18.2.99, dport: 7000",
                                              "dst: 198.18.2.99, dport: 7001"))
            r = mcr.ctl("reload")
            self.assertIn("1 changed", r.stdout, r.stderr)
            rule = mcr.rule("uni")
            self.assertEqual(rule["packets"], 200)
            self.assertEqual(rule["outputs"]["0"]["packets"], 200)
            self.assertEqual(rule["outputs"]["1"]["dport"], 7001)


if __name__ == "__main__":
    unittest.main()
