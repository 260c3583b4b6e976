"""IPv6 and range rules in the running appliance (issue 14), on both PMDs,
with kernel senders and kernel sockets checking every payload. The lab has
IPv6 on (Lab(ipv6=True): kernel defaults, 2001:2:0:N::/64 per link) and two
sinks: sink1 behind down1 (r1), sink2 behind down2 (r2).

- An IPv6 group (ff3e::1:1, global scope) relayed to an IPv6 group on
  down1 and to an IPv6 unicast receiver on down2.
- An IPv4 feed relayed to an IPv6 group (4->6) and an IPv6 feed to an IPv4
  group (6->4).
- The relay host's kernel reports the ingress groups with MLD on the
  ingress link: the exact rule's group and a range rule's `join:` group.
- `ping -6` to the relay host's ingress address is answered while mcr
  relays an IPv6 stream on that link.
- A /16 range rule (`dst: 239.1.0.0/16`, outputs without dst: kept)
  relays 50 groups, each to a receiver of its own group; an IPv6 /112
  range likewise for 20 groups.
- Malformed IPv6 frames (frames6.py) mixed into valid IPv6 traffic:
  nothing wrong is forwarded, every frame is counted under its XDP verdict
  or mcr's drop reason, and mcr keeps running.

Each PMD's tests share one lab and one mcr (class set-up), so the file
stays within its time budget. Ipv6LabTest checks, without mcr, what the
others rely on in the lab itself: IPv6 between the hosts, the capture of a
kernel's MLD report, the IPv6 senders and receivers."""

import collections
import json
import os
import re
import subprocess
import tempfile
import time
import unittest

from frames6 import GROUP, kinds6
from labkit import BUILD_DIR, Lab, Mcr, ipv6_of, skip_unless_root
from traffic import make_payload

GEN = os.path.join(BUILD_DIR, "tools", "gen", "mcr-gen")
SINK = os.path.join(BUILD_DIR, "tools", "sink", "mcr-sink")
HERE = os.path.dirname(os.path.abspath(__file__))

GEN6 = ipv6_of("198.18.1.2")      # 2001:2:0:1::2
RELAY6 = ipv6_of("198.18.1.1")    # 2001:2:0:1::1, the relay's ingress address
SINK2_6 = ipv6_of("198.18.3.2")   # 2001:2:0:3::2

# IPv6 addresses are quoted: YAML's plain scalars allow them, but a quoted
# string is what every YAML reader takes the same way.
CONFIG = """
ports:
  - {{ name: up0, iface: "@P@r0", driver: {driver}, address: [198.18.1.1, "2001:2:0:1::1"] }}
  - {{ name: down1, iface: "@P@r1", driver: {driver}, address: [198.18.2.1, "2001:2:0:2::1"] }}
  - {{ name: down2, iface: "@P@r2", driver: {driver}, address: [198.18.3.1, "2001:2:0:3::1"] }}
workers: {{ lcores: [1] }}
pools:
  - {{ name: small, data_size: 2048, count: 8191 }}
rules:
  - name: v6-group
    match: {{ port: up0, dst: "ff3e::1:1", dport: 5000 }}
    outputs:
      - {{ port: down1, dst: "ff3e::2:1", dport: 6000 }}
      - {{ port: down2, dst: "2001:2:0:3::2", dport: 6001 }}
  - name: v4-to-v6
    match: {{ port: up0, dst: 239.4.6.1, dport: 5000 }}
    outputs: [ {{ port: down1, dst: "ff3e::4:6", dport: 6002 }} ]
  - name: v6-to-v4
    match: {{ port: up0, dst: "ff3e::6:4", dport: 5000 }}
    outputs: [ {{ port: down2, dst: 239.6.4.1, dport: 6003 }} ]
  - name: range4
    match: {{ port: up0, dst: 239.1.0.0/16, dport: 5000 }}
    outputs: [ {{ port: down1 }} ]
  - name: range6
    match: {{ port: up0, dst: "ff3e::7:0/112", dport: 5000, join: ["ff3e::7:1"] }}
    outputs: [ {{ port: down2, dst: keep }} ]
"""

COUNT = 500          # datagrams per plain relay check
RANGE4_GROUPS = 50   # 239.1.0.1 .. 239.1.0.50
RANGE6_GROUPS = 20   # ff3e::7:1 .. ff3e::7:14
RANGE_COUNT = 40     # per group

VALID = 1000         # valid datagrams in the malformed mix
REPEATS = 10         # of each malformed kind
FRAGMENT_DROPS = ("fragment", "reassembly_failed", "reassembly_timeout")

# Runs in the generator host: the malformed mix, valid frames interleaved.
MIX_SENDER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from frames import send
from frames6 import build6, kinds6
from traffic import make_payload
valid, repeats = int(sys.argv[3]), int(sys.argv[4])
frames = []
for i in range(max(valid, repeats)):
    if i < valid:
        frames.append(build6(make_payload(i, 32)))
    if i < repeats:
        frames += [k[1] for k in kinds6(make_payload(i, 32))]
send(sys.argv[2], frames)
print(json.dumps(len(frames)))
"""

# Runs in the relay host: a kernel socket joining a group on the ingress
# interface until stdin closes (what mcr has the kernel do).
KERNEL_JOIN = """
import socket, struct, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
             socket.inet_pton(socket.AF_INET6, sys.argv[1]) + struct.pack("@I", socket.if_nametoindex(sys.argv[2])))
print("joined", flush=True)
sys.stdin.read()
"""

MLD_REPORT = "multicast listener report v2"


def mld_joined(text, group):
    """Whether a captured MLDv2 report has `group` joined (any source)."""
    return re.search(rf"gaddr {re.escape(group)} (to_ex|is_ex) \{{ \}}", text) is not None


def ping6(lab, count=5, interval=0.2):
    """ping -6 from the generator to the relay's ingress address; the
    replies received."""
    out = lab.exec("gen", "ping", "-6", "-n", "-c", str(count), "-i", str(interval), "-W", "1",
                   RELAY6, check=False).stdout
    m = re.search(r"(\d+) received", out)
    return int(m.group(1)) if m else 0


@skip_unless_root
class Ipv6LabTest(unittest.TestCase):
    """The lab's IPv6, without mcr: what the relay tests stand on."""

    def test_lab_hosts_reach_each_other_over_ipv6(self):
        with Lab(sinks=2, ipv6=True) as lab:
            self.assertEqual(ping6(lab), 5)
            out = lab.exec("relay", "ip", "-6", "-br", "addr", "show", "dev", lab.iface("r2")).stdout
            self.assertIn("2001:2:0:3::1/64", out)

    def test_a_kernel_join_is_captured_as_an_mld_report_on_the_ingress_link(self):
        with Lab(ipv6=True) as lab:
            capture = lab.capture("gen", lab.iface("g0"), "ip6")
            joiner = lab.popen("relay", "/usr/bin/python3", "-c", KERNEL_JOIN, GROUP,
                               lab.iface("r0"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
            try:
                self.assertEqual(joiner.stdout.readline().strip(), "joined")
                text = capture.text(linger=1.0)
            finally:
                joiner.communicate(input="", timeout=10)
                capture.close()
        self.assertIn(MLD_REPORT, text)
        self.assertTrue(mld_joined(text, GROUP), text)
        self.assertFalse(mld_joined(text, "ff3e::9:9"), text)

    def test_ipv6_datagrams_from_the_lab_sender_reach_the_lab_sink(self):
        with Lab(ipv6=True) as lab:
            sink = lab.start_sink("relay", 200, [f"[{RELAY6}]:5001"], seconds=10)
            sent = lab.send_udp(200, dst=RELAY6, dport=5001)
            got = lab.sink_result(sink)[f"[{RELAY6}]:5001"]
        self.assertEqual(got, {"count": sent, "bad_payload": 0, "out_of_order": 0})


class Ipv6Relay:
    """The relay tests, run once per PMD by the subclasses below."""

    DRIVER = None

    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(sinks=2, ipv6=True)
        cls.lab.__enter__()
        cls.addClassCleanup(cls.lab.__exit__, None, None, None)
        # Listening before mcr starts: its joins are reported at once.
        cls.capture = cls.lab.capture("gen", cls.lab.iface("g0"), "ip6 dst ff02::16")
        cls.addClassCleanup(cls.capture.close)
        cls.mcr = Mcr(cls.lab, CONFIG.format(driver=cls.DRIVER))
        cls.addClassCleanup(cls.mcr.close)
        cls.mcr.start()
        cls.capture_text = None

    def tearDown(self):
        # Every test leaves mcr running.
        self.assertIsNone(self.mcr.proc.poll(), f"mcr exited:\n{self.mcr.read_output()}")

    def relay_check(self, dst, dport, sinks):
        """COUNT datagrams to dst:dport from the generator; sinks: {host:
        [endpoints]}, each endpoint must get every one, intact, in order."""
        procs = {host: self.lab.start_sink(host, COUNT, endpoints, seconds=15)
                 for host, endpoints in sinks.items()}
        sent = self.lab.send_udp(COUNT, dst=dst, dport=dport, size=200)
        self.assertEqual(sent, COUNT)
        for host, proc in procs.items():
            got = self.lab.sink_result(proc)
            for endpoint in sinks[host]:
                with self.subTest(endpoint=endpoint):
                    self.assertEqual(got[endpoint], {"count": COUNT, "bad_payload": 0,
                                                     "out_of_order": 0})

    def test_ipv6_group_to_ipv6_group_and_unicast_receiver(self):
        self.relay_check("ff3e::1:1", 5000, {"sink1": ["[ff3e::2:1]:6000"],
                                             "sink2": [f"[{SINK2_6}]:6001"]})
        rule = self.mcr.rule("v6-group")
        self.assertEqual(rule["outputs"]["0"]["packets"], COUNT)
        self.assertEqual(rule["outputs"]["1"]["packets"], COUNT)

    def test_ipv4_feed_to_ipv6_group(self):
        self.relay_check("239.4.6.1", 5000, {"sink1": ["[ff3e::4:6]:6002"]})

    def test_ipv6_feed_to_ipv4_group(self):
        self.relay_check("ff3e::6:4", 5000, {"sink2": ["239.6.4.1:6003"]})

    def captured(self):
        """What the ingress link carried of IPv6 since before mcr started
        (the capture ends on first use)."""
        cls = type(self)
        if cls.capture_text is None:
            cls.capture_text = cls.capture.text()
        return cls.capture_text

    def test_mld_report_for_the_ingress_groups_on_the_ingress_link(self):
        text = self.captured()
        self.assertIn(MLD_REPORT, text)
        # The exact rule's group and the range's listed join.
        self.assertTrue(mld_joined(text, "ff3e::1:1"), text)
        self.assertTrue(mld_joined(text, "ff3e::7:1"), text)

    def test_ping6_to_the_relay_answered_while_relaying(self):
        sink = self.lab.start_sink("sink1", 4000, ["[ff3e::2:1]:6000"], seconds=15)
        gen = self.lab.popen("gen", GEN, "--quiet", "--flow", f"[ff3e::1:1]:5000@{GEN6}",
                             "--rate", "2000", "--count", "4000", "--size", "200",
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(0.2)
            replies = ping6(self.lab)
            still_sending = gen.poll() is None
        finally:
            gen.communicate(timeout=30)
        self.assertEqual(gen.returncode, 0)
        self.assertTrue(still_sending, "the stream ended before the pings did")
        self.assertEqual(replies, 5)
        got = self.lab.sink_result(sink)["[ff3e::2:1]:6000"]
        # mcr-gen's payloads are not sink.py's: counted, not checked here.
        self.assertEqual(got["count"], 4000)

    def range_check(self, first, groups, sink_host, src):
        """mcr-gen to `groups` consecutive groups from `first` (one flow id
        each), mcr-sink on a socket per group: every group's receiver gets
        its own flow, whole, at the group's own address."""
        with tempfile.TemporaryDirectory(prefix="mcr-ipv6-") as tmp:
            report = os.path.join(tmp, "sink.json")
            endpoint = f"[{first}]:5000" if ":" in first else f"{first}:5000"
            sink = self.lab.popen(sink_host, SINK, "--quiet", "--json", report, endpoint,
                                  "--dst-count", str(groups), "--idle", "1", "--duration", "8",
                                  stderr=subprocess.PIPE, text=True)
            ready = sink.stderr.readline()
            self.assertIn("ready", ready)
            time.sleep(0.5)  # the sink host's joins reach the relay
            gen = self.lab.exec("gen", GEN, "--quiet", "--json", "-", "--flow",
                                f"{endpoint}@{src}", "--dst-count", str(groups),
                                "--count", str(RANGE_COUNT), "--rate", "4000")
            self.assertEqual(json.loads(gen.stdout)["sent"], groups * RANGE_COUNT)
            sink.communicate(timeout=30)
            with open(report) as f:
                flows = json.load(f)["flows"]
        gen_flows = json.loads(gen.stdout)["flows"]
        want = {f["dst"]: f["flow_id"] for f in gen_flows}
        self.assertEqual(len(want), groups)
        got = {f["endpoint"]: f for f in flows}
        self.assertEqual(sorted(got), sorted(want))
        for endpoint, flow_id in want.items():
            with self.subTest(endpoint=endpoint):
                # The group's own flow only: dst kept, not mixed up.
                self.assertEqual(got[endpoint]["flow_id"], flow_id)
                self.assertEqual(got[endpoint]["received"], RANGE_COUNT)
                self.assertEqual(got[endpoint]["lost"], 0)
                self.assertEqual(got[endpoint]["duplicated"], 0)

    def test_ipv4_range_relays_50_groups_with_dst_kept(self):
        self.range_check("239.1.0.1", RANGE4_GROUPS, "sink1", "198.18.1.2")
        self.assertEqual(self.mcr.rule("range4")["packets"], RANGE4_GROUPS * RANGE_COUNT)

    def test_ipv6_range_relays_20_groups_with_dst_kept(self):
        self.range_check("ff3e::7:1", RANGE6_GROUPS, "sink2", GEN6)
        self.assertEqual(self.mcr.rule("range6")["packets"], RANGE6_GROUPS * RANGE_COUNT)

    def counters(self):
        ports = self.mcr.telemetry("/mcr/ports")
        return {
            # The counters only: the port's entry also names its mode.
            "xdp": {k: v for k, v in self.mcr.telemetry("/mcr/xdp")["up0"].items()
                    if isinstance(v, int)},
            "drops": dict(self.mcr.telemetry("/mcr/drops")),
            "rx": {name: p["rx_packets"] for name, p in ports.items()},
            "tx": {name: p["tx_packets"] for name, p in ports.items()},
        }

    def test_malformed_ipv6_mixed_into_valid_traffic(self):
        af_xdp = self.DRIVER == "af_xdp"
        table = kinds6(make_payload(0, 32))
        relayed_kinds = [k for k in table if k[3] == "relay"]
        relayed = VALID + REPEATS * len(relayed_kinds)
        before = self.counters()
        rule_before = self.mcr.rule("v6-group")["outputs"]["0"]["packets"]

        sink = self.lab.start_sink("sink1", relayed, ["[ff3e::2:1]:6000"], seconds=20)
        sent = self.lab.exec("gen", "/usr/bin/python3", "-c", MIX_SENDER, HERE,
                             self.lab.iface("g0"), str(VALID), str(REPEATS)).stdout
        self.assertEqual(int(sent), VALID + REPEATS * len(table))
        got = self.lab.sink_result(sink)["[ff3e::2:1]:6000"]
        time.sleep(1.5)  # incomplete fragment sets time out, if reassembled (1 s)
        after = self.counters()
        rule_after = self.mcr.rule("v6-group")["outputs"]["0"]["packets"]
        self.assertEqual(self.mcr.ctl("show", "rules").returncode, 0)  # still answering

        # Valid traffic relayed completely, intact and in order; nothing
        # invalid forwarded.
        self.assertEqual(got, {"count": relayed, "bad_payload": 0, "out_of_order": 0})
        self.assertEqual(rule_after - rule_before, relayed)
        self.assertEqual(after["tx"]["down1"] - before["tx"]["down1"], relayed)

        # Every frame accounted for: XDP's verdict, then mcr's reason.
        want_xdp = collections.Counter()
        want_drops = collections.Counter()
        reached = VALID
        for name, _, verdict, outcome in table:
            if af_xdp and verdict == "ipv6_pass_match":
                verdict = "ipv6_redirect"
            want_xdp[verdict] += REPEATS
            if verdict == "ipv6_redirect" or (not af_xdp and verdict.startswith("ipv6_pass")):
                reached += REPEATS
                if outcome != "relay":
                    want_drops[outcome.replace("-", "_")] += REPEATS
        want_xdp["ipv6_redirect" if af_xdp else "ipv6_pass_match"] += VALID
        xdp = {k: after["xdp"].get(k, 0) - before["xdp"].get(k, 0) for k in after["xdp"]}
        drops = {k: after["drops"].get(k, 0) - before["drops"].get(k, 0) for k in after["drops"]}
        # What mcr received beyond the mix: the hosts' own IPv6 and ARP
        # chatter (router solicitations, MLD, neighbour discovery) on
        # af_packet, which lands among the non-UDP and non-IP drops.
        noise = sum(after["rx"].values()) - sum(before["rx"].values()) - reached
        self.assertGreaterEqual(noise, 0)
        if af_xdp:
            self.assertEqual(after["rx"]["up0"] - before["rx"]["up0"], reached)

        for counter in ("ipv6_redirect", "ipv6_pass_match", "ipv6_pass_malformed",
                        "ipv6_drop_malformed", "ipv6_drop_fragment", "ipv6_drop_strict",
                        "ipv6_no_socket"):
            with self.subTest(xdp=counter):
                self.assertEqual(xdp.get(counter, 0), want_xdp[counter])
        with self.subTest(xdp="ipv6_pass_other"):
            # Plus the generator's own ICMPv6 (the kernel's, passed).
            self.assertGreaterEqual(xdp.get("ipv6_pass_other", 0), want_xdp["ipv6_pass_other"])

        fragments = sum(drops.pop(r, 0) for r in FRAGMENT_DROPS)
        want_fragments = want_drops.pop("fragment", 0)
        with self.subTest(drop="fragment"):
            self.assertEqual(fragments, want_fragments)
        noisy = ("not_udp", "not_ip", "not_ipv4")
        for reason in sorted(set(drops) | set(want_drops)):
            with self.subTest(drop=reason):
                if reason in noisy:
                    self.assertGreaterEqual(drops.get(reason, 0), want_drops[reason])
                    self.assertLessEqual(drops.get(reason, 0), want_drops[reason] + noise)
                else:
                    self.assertEqual(drops.get(reason, 0), want_drops[reason])
        total, want_total = sum(drops.values()) + fragments, sum(want_drops.values()) + want_fragments
        self.assertGreaterEqual(total, want_total)
        self.assertLessEqual(total, want_total + noise)


@skip_unless_root
class Ipv6RelayAfPacketTest(Ipv6Relay, unittest.TestCase):
    DRIVER = "af_packet"


@skip_unless_root
class Ipv6RelayAfXdpTest(Ipv6Relay, unittest.TestCase):
    DRIVER = "af_xdp"


if __name__ == "__main__":
    unittest.main()
