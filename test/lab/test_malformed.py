"""Malformed and hostile traffic mixed into valid relay traffic: valid
datagrams are relayed completely and intact, nothing invalid is
forwarded, every frame is accounted for under its XDP verdict or mcr's
drop reason, and mcr keeps running. Once on each PMD."""

import collections
import json
import time
import unittest

from frames import GROUP, build, kinds
from labkit import Lab, Mcr, skip_unless_root
from traffic import make_payload

CONFIG = """
ports:
  - {{ name: up0, iface: "@P@r0", driver: {driver} }}
  - {{ name: down0, iface: "@P@r1", driver: {driver} }}
workers: {{ lcores: [1] }}
pools:
  - {{ name: small, data_size: 2048, count: 8191 }}
rules:
  - name: feed-a
    match: {{ port: up0, dst: 239.1.1.1, dport: 5000 }}
    outputs: [ {{ port: down0, dst: 239.2.2.2, dport: 6000 }} ]
"""

VALID = 1500   # plain relay datagrams
REPEATS = 20   # of each malformed kind

# The kernel frees a frame whose 802.1Q tag is cut (skb_vlan_untag) after
# XDP saw it and before packet sockets do: af_packet never delivers it.
DROPPED_BY_KERNEL_BEFORE_AF_PACKET = {"vlan-cut"}
# The 22.11 af_packet PMD's fanout has the kernel reassemble fragments
# (PACKET_FANOUT_FLAG_DEFRAG) before its sockets see them: sets that never
# complete never reach mcr there. On af_xdp mcr reassembles: each ends as
# reassembly-failed or, within a second, reassembly-timeout.
FRAGMENT_OUTCOME = "reassembly"
REASSEMBLY_DROPS = ("reassembly_failed", "reassembly_timeout")

# Runs in the generator host: builds the frames there (it knows the relay's
# MAC from its neighbour entry) and sends them interleaved.
SENDER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from frames import build, kinds, send
from traffic import make_payload
relay_mac = bytes.fromhex(sys.argv[3].replace(":", ""))
valid, repeats = int(sys.argv[4]), int(sys.argv[5])
frames = []
for i in range(max(valid, repeats)):
    if i < valid:
        frames.append(build(make_payload(i, 32)))
    if i < repeats:
        frames += [k[1] for k in kinds(relay_mac, make_payload(i, 32))]
send(sys.argv[2], frames)
print(json.dumps(len(frames)))
"""


@skip_unless_root
class MalformedTrafficTest(unittest.TestCase):
    def run_mix(self, driver):
        with Lab() as lab, Mcr(lab, CONFIG.format(driver=driver)) as mcr:
            relay_mac = json.loads(lab.exec("relay", "ip", "-j", "link", "show",
                                            lab.iface("r0")).stdout)[0]["address"]
            table = kinds(bytes.fromhex(relay_mac.replace(":", "")), make_payload(0, 32))
            self.assertGreaterEqual(len(table), 40)
            relayed_kinds = [k for k in table if k[3] == "relay"]
            expected_relayed = VALID + REPEATS * len(relayed_kinds)

            sink = lab.start_sink("sink1", expected_relayed, ["239.2.2.2:6000"])
            here = __file__.rsplit("/", 1)[0]
            sent = lab.exec("gen", "/usr/bin/python3", "-c", SENDER, here, lab.iface("g0"),
                            relay_mac, str(VALID), str(REPEATS)).stdout
            self.assertEqual(int(sent), VALID + REPEATS * len(table))
            got = lab.sink_result(sink)["239.2.2.2:6000"]
            time.sleep(1.5)  # incomplete fragment sets time out (1 s)
            xdp = mcr.telemetry("/mcr/xdp")["up0"]
            drops = mcr.telemetry("/mcr/drops")
            rule = mcr.rule("feed-a")
            port = mcr.port("up0")
            down = mcr.port("down0")
            # Still running and answering.
            self.assertEqual(mcr.ctl("show", "rules").returncode, 0)
            self.assertEqual(mcr.stop(), 0)
        return table, expected_relayed, got, xdp, drops, rule, port, down

    def check(self, driver):
        table, relayed, got, xdp, drops, rule, port, down = self.run_mix(driver)
        # Valid traffic relayed completely, intact and in order.
        self.assertEqual(got["count"], relayed)
        self.assertEqual(got["bad_payload"], 0)
        self.assertEqual(got["out_of_order"], 0)
        # Nothing invalid forwarded.
        self.assertEqual(down["tx_packets"], relayed)
        self.assertEqual(rule["outputs"]["0"]["packets"], relayed)

        # Every frame accounted for: XDP's verdict, then mcr's.
        want_xdp = collections.Counter()
        want_drops = collections.Counter()
        reached_mcr = VALID
        for name, _, verdict, outcome in table:
            if driver == "af_xdp" and verdict == "pass_match":
                verdict = "redirect"
            want_xdp[verdict] += REPEATS
            reaches_mcr = verdict == "redirect" or (
                driver == "af_packet" and verdict.startswith(("pass", "ipv6_pass")) and
                name not in DROPPED_BY_KERNEL_BEFORE_AF_PACKET and outcome != FRAGMENT_OUTCOME)
            if reaches_mcr:
                reached_mcr += REPEATS
                if outcome != "relay":
                    want_drops[outcome.replace("-", "_")] += REPEATS
        want_xdp["redirect" if driver == "af_xdp" else "pass_match"] += VALID
        for counter in ("redirect", "pass_match", "pass_other", "pass_non_ip", "pass_malformed",
                        "drop_malformed", "drop_fragment", "drop_strict"):
            with self.subTest(xdp=counter):
                self.assertEqual(xdp[counter], want_xdp[counter])
        # Drops are counted per reason over all ports, and on af_packet the
        # egress port also receives what the sink host sends (its IGMP
        # reports for the output group): those land among the non-UDP or
        # non-IPv4 drops, so those two may exceed the ingress's by that much.
        noise = down["rx_packets"]
        drops = dict(drops)
        drops[FRAGMENT_OUTCOME] = sum(drops.pop(r) for r in REASSEMBLY_DROPS)
        for reason, count in drops.items():
            with self.subTest(drop=reason):
                if reason in ("not_udp", "not_ip"):
                    self.assertGreaterEqual(count, want_drops[reason])
                    self.assertLessEqual(count, want_drops[reason] + noise)
                else:
                    self.assertEqual(count, want_drops[reason])
        # (down0's counters are read after the drops: a report arriving in
        # between is in noise but not yet in drops.)
        self.assertGreaterEqual(sum(drops.values()), sum(want_drops.values()))
        self.assertLessEqual(sum(drops.values()), sum(want_drops.values()) + noise)
        self.assertEqual(port["rx_packets"], reached_mcr)
        self.assertEqual(reached_mcr, relayed + sum(want_drops.values()))

    def test_af_packet(self):
        self.check("af_packet")

    def test_af_xdp(self):
        self.check("af_xdp")


if __name__ == "__main__":
    unittest.main()
