"""mcr-gen and mcr-sink across a lab link, without mcr: the generator host
sends straight to the relay host (198.18.1.1), where mcr-sink listens. A
known count arrives with nothing lost; the generator's skip/dup/swap hooks
come out of the sink's accounting exactly; latencies are positive and
ordered; the DPDK back-ends (af_packet) of both tools interoperate with the
kernel ones. GenSink6Test does the same over IPv6 (lab.sh --ipv6), with
source-specific joins and ranges of groups (--dst-count) too."""

import json
import os
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab"))
from labkit import BUILD_DIR, Lab, skip_unless_root  # noqa: E402

GEN = os.path.join(BUILD_DIR, "tools", "gen", "mcr-gen")
SEQS_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab", "seqs.py")
SINK = os.path.join(BUILD_DIR, "tools", "sink", "mcr-sink")

RELAY_ADDR = "198.18.1.1"  # the relay host's end of the generator link
GEN_ADDR = "198.18.1.2"
GROUP = "239.1.1.1:5000"
GROUP_2 = "239.1.1.2:5000"
UNICAST = f"{RELAY_ADDR}:7000"
RATE = "20000"  # well under what veth and a loaded two-core host drop


def expected_counts(count, skip=0, dup=0, swap=0):
    """What the sink must report for one flow of `count` sequence numbers
    sent with the hooks (doc/traffic-tools.md), nothing else lost: the
    send order per the hooks, then the accounting definitions with a set."""
    order = []
    s = 0
    while s < count:
        def queue(x):
            if skip and (x + 1) % skip == 0:
                return
            order.append(x)
            if dup and (x + 1) % dup == 0:
                order.append(x)
        if swap and s % 2 == 0 and (s // 2 + 1) % swap == 0 and s + 1 < count:
            queue(s + 1)
            queue(s)
            s += 2
        else:
            queue(s)
            s += 1
    seen, highest = set(), -1
    received = duplicated = reordered = 0
    for x in order:
        received += 1
        if x in seen:
            duplicated += 1
        elif x < highest:
            reordered += 1
        seen.add(x)
        highest = max(highest, x)
    return {"received": received, "lost": highest + 1 - len(seen), "duplicated": duplicated,
            "reordered": reordered, "highest_seq": highest}


class Sink:
    """mcr-sink in a lab host, JSON on stdout; started once it is ready."""

    def __init__(self, lab, host, *args, limits=("--idle", "1", "--duration", "60")):
        self.proc = lab.popen(host, SINK, "--json", "-", *limits, *args,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
        for line in self.proc.stderr:
            self.lines.append(line)
            if line.startswith("mcr-sink: ready"):
                return
        self.proc.wait()
        raise AssertionError("mcr-sink did not start:\n" + "".join(self.lines))

    def result(self, timeout=90):
        out, err = self.proc.communicate(timeout=timeout)
        if self.proc.returncode != 0:
            raise AssertionError(f"mcr-sink exited {self.proc.returncode}:\n{err}")
        report = json.loads(out)
        report["by_flow"] = {(f["endpoint"], f["flow_id"]): f for f in report["flows"]}
        return report

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def generate(lab, *args, eal=()):
    """mcr-gen in the generator host; its JSON summary."""
    cmd = [GEN, *eal, *(["--"] if eal else []), "--json", "-", "--quiet", *args]
    out = lab.exec("gen", *cmd, check=False)
    if out.returncode != 0:
        raise AssertionError(f"mcr-gen exited {out.returncode}:\n{out.stderr}")
    return json.loads(out.stdout)


def mac_of(lab, host, iface):
    out = lab.exec(host, "ip", "-j", "link", "show", "dev", iface).stdout
    return json.loads(out)[0]["address"]


@skip_unless_root
class GenSinkTest(unittest.TestCase):
    def setUp(self):
        self.lab = Lab().__enter__()
        self.addCleanup(self.lab.__exit__, None, None, None)

    def start_sink(self, *args, **kw):
        sink = Sink(self.lab, "relay", *args, **kw)
        self.addCleanup(sink.close)
        return sink

    def dpdk_eal(self):
        """EAL arguments for this host (no hugepages, no PCI) with a file
        prefix of this test's own, whose directory is removed after."""
        prefix = f"{self.lab.prefix}gen"
        self.addCleanup(shutil.rmtree, f"/var/run/dpdk/{prefix}", True)
        return ("--no-huge", "-m", "256", "--no-pci", "--file-prefix", prefix,
                "--log-level", "lib.eal:error")

    def assert_latency_sane(self, flow):
        lat = flow["latency_ns"]
        self.assertEqual(lat["count"], flow["received"])
        self.assertEqual(lat["negative"], 0)
        self.assertGreater(lat["min"], 0)
        self.assertLessEqual(lat["min"], lat["p50"])
        self.assertLessEqual(lat["p50"], lat["p90"])
        self.assertLessEqual(lat["p90"], lat["p99"])
        self.assertLessEqual(lat["p99"], lat["p99.9"])
        self.assertLessEqual(lat["p99.9"], lat["max"])
        self.assertLess(lat["max"], 10e9, "a one-way latency of 10 s is a clock mix-up")

    def assert_counts(self, flow, expected):
        got = {k: flow[k] for k in expected}
        self.assertEqual(got, expected, flow["endpoint"])

    def test_known_count_arrives_without_loss(self):
        sink = self.start_sink(GROUP, UNICAST, "--iface-addr", RELAY_ADDR)
        gen = generate(self.lab, "--flow", GROUP, "--flow", UNICAST, "--count", "5000",
                       "--rate", RATE, "--size", "200")
        self.assertEqual([f["sent"] for f in gen["flows"]], [5000, 5000])
        self.assertEqual(gen["failed"], 0)

        report = sink.result()
        self.assertEqual(report["accounted"], 10000)
        self.assertEqual(report["foreign"], 0)
        for flow_id, endpoint in enumerate((GROUP, UNICAST)):
            with self.subTest(endpoint=endpoint):
                flow = report["by_flow"][(endpoint, flow_id)]
                self.assert_counts(flow, expected_counts(5000))
                self.assertEqual(flow["payload_bytes"], 5000 * (200 - 42))
                self.assert_latency_sane(flow)

    def test_skip_dup_swap_are_reported_exactly(self):
        hooks = {"skip": 10, "dup": 7, "swap": 3}
        sink = self.start_sink(GROUP, GROUP_2, "--iface-addr", RELAY_ADDR)
        gen = generate(self.lab, "--flow", GROUP, "--flow", GROUP_2, "--flow-id-base", "100",
                       "--count", "3000", "--rate", RATE, "--skip", "10", "--dup", "7",
                       "--swap", "3", "--size", "66")
        expected = expected_counts(3000, **hooks)
        # Every hook shows, or the test would prove less than it claims.
        self.assertTrue(all(expected[k] > 0 for k in ("lost", "duplicated", "reordered")))
        self.assertEqual([f["sent"] for f in gen["flows"]], [expected["received"]] * 2)

        report = sink.result()
        for flow_id, endpoint in ((100, GROUP), (101, GROUP_2)):
            with self.subTest(endpoint=endpoint):
                flow = report["by_flow"][(endpoint, flow_id)]
                self.assert_counts(flow, expected)
                self.assertEqual(flow["late"], 0)
                self.assert_latency_sane(flow)

    def test_dpdk_generator_to_kernel_sink(self):
        iface = self.lab.iface("g0")
        relay_mac = mac_of(self.lab, "relay", self.lab.iface("r0"))
        sink = self.start_sink(GROUP, UNICAST, "--iface-addr", RELAY_ADDR)
        # The frames are the generator's own: group MAC for the group,
        # --dst-mac for the unicast flow, checksums the kernel verifies.
        gen = generate(self.lab, "--port", f"af_packet:{iface}", "--dst-mac", relay_mac,
                       "--flow", GROUP, "--flow", f"{UNICAST}@{GEN_ADDR}:4001",
                       "--count", "3000", "--rate", RATE, "--size", "1514",
                       "--skip", "10", "--dup", "7", "--swap", "3", eal=self.dpdk_eal())
        self.assertEqual(gen["backend"], "dpdk af_packet")
        self.assertEqual([f["src"] for f in gen["flows"]], [f"{GEN_ADDR}:4000", f"{GEN_ADDR}:4001"])
        expected = expected_counts(3000, skip=10, dup=7, swap=3)

        report = sink.result()
        for flow_id, endpoint in enumerate((GROUP, UNICAST)):
            with self.subTest(endpoint=endpoint):
                flow = report["by_flow"][(endpoint, flow_id)]
                self.assert_counts(flow, expected)
                self.assertEqual(flow["payload_bytes"], expected["received"] * (1514 - 42))
                self.assert_latency_sane(flow)

    def test_kernel_generator_to_dpdk_sink(self):
        # The sink's port sees every frame on the link; the endpoint list
        # selects what is counted.
        sink = self.start_sink("--port", f"af_packet:{self.lab.iface('r0')}", GROUP)
        generate(self.lab, "--flow", GROUP, "--flow", GROUP_2, "--count", "2000",
                 "--rate", RATE, "--skip", "10", "--dup", "7", "--swap", "3")
        report = sink.result()
        self.assertEqual(report["backend"], "dpdk af_packet")
        self.assertEqual(list(report["by_flow"]), [(GROUP, 0)])
        self.assertEqual(report["bad_checksum"], 0)
        expected = expected_counts(2000, skip=10, dup=7, swap=3)
        self.assertEqual(report["other_endpoint"], expected["received"])
        flow = report["by_flow"][(GROUP, 0)]
        self.assert_counts(flow, expected)
        self.assert_latency_sane(flow)

    def sequence_field(self, field, start, bits, eal=(), port=()):
        """--seq-field on the wire: the field holds (start + s) mod 2^bits,
        read by a socket of its own, while mcr-sink, on the same group,
        still accounts the stream by mcr-gen's header."""
        count = 2000
        sink = self.start_sink(GROUP, "--iface-addr", RELAY_ADDR)
        fields = self.lab.popen("relay", "/usr/bin/python3", SEQS_PY, "recv", "30", "1", field,
                                f"{GROUP}@{RELAY_ADDR}", stdout=subprocess.PIPE, text=True)
        self.addCleanup(fields.kill)
        self.assertEqual(fields.stdout.readline().strip(), "ready")
        offset, size = (int(x) for x in field.split(":")[:2])
        gen = generate(self.lab, *port, "--flow", GROUP, "--count", str(count), "--rate", RATE,
                       "--seq-field", field, "--seq-start", str(start),
                       "--size", str(42 + offset + size), eal=eal)
        self.assertEqual(gen["sent"], count)
        got = json.loads(fields.communicate(timeout=60)[0].strip().splitlines()[-1])
        values = got[f"{GROUP}@{RELAY_ADDR}"]["seqs"]
        self.assertEqual(values, [(start + s) % 2**bits for s in range(count)])
        self.assertIn(0, values)  # across the wrap
        flow = sink.result()["by_flow"][(GROUP, 0)]
        self.assert_counts(flow, expected_counts(count))

    def test_sequence_field_from_kernel_sockets(self):
        self.sequence_field("25:2:little", 65000, 16)

    def test_sequence_field_from_a_dpdk_port(self):
        # The frame is the generator's own: the kernel drops it if the
        # incremental UDP checksum misses the field (odd offset here).
        self.sequence_field("31:4:big", 2**32 - 1000, 32, eal=self.dpdk_eal(),
                            port=("--port", f"af_packet:{self.lab.iface('g0')}"))

    def test_duration_rate_and_stop_signals(self):
        gen = generate(self.lab, "--flow", GROUP, "--duration", "1", "--rate", "2000")
        # The pace is a deadline: a late wake-up is made up, not lost.
        self.assertGreaterEqual(gen["sent"], 1950)
        self.assertLessEqual(gen["sent"], 2001)
        self.assertAlmostEqual(gen["rate_pps"], 2000, delta=100)

        # Without limits both run until a signal, and still report.
        sink = self.start_sink(GROUP, "--iface-addr", RELAY_ADDR, limits=())
        gen = self.lab.popen("gen", GEN, "--flow", GROUP, "--rate", "500", "--json", "-",
                             "--quiet", stdout=subprocess.PIPE, text=True)
        time.sleep(1.5)
        gen.terminate()
        out, _ = gen.communicate(timeout=10)
        self.assertEqual(gen.returncode, 0)
        summary = json.loads(out)
        self.assertTrue(summary["stopped_by_signal"])
        time.sleep(0.3)
        sink.proc.send_signal(2)  # SIGINT
        report = sink.result()
        self.assertEqual(report["stopped_by"], "signal")
        self.assertEqual(report["by_flow"][(GROUP, 0)]["received"], summary["sent"])


RELAY6 = "2001:2:0:1::1"
GEN6 = "2001:2:0:1::2"
GEN6_OTHER = "2001:2:0:1::3"  # a second source on the generator
GROUP6 = "[ff3e::1:1]:5000"
SSM6 = "[ff3e::1:2]:5000"
UNICAST6 = f"[{RELAY6}]:7000"


@skip_unless_root
class GenSink6Test(unittest.TestCase):
    """Both tools over IPv6: the generator host to the relay host, whose
    sink joins on its ingress interface by name (IPv6 joins name an
    interface, and the relay host has no IPv6 default route)."""

    # GenSinkTest's helpers, not its tests.
    start_sink = GenSinkTest.start_sink
    dpdk_eal = GenSinkTest.dpdk_eal
    assert_latency_sane = GenSinkTest.assert_latency_sane
    assert_counts = GenSinkTest.assert_counts

    def setUp(self):
        self.lab = Lab(ipv6=True).__enter__()
        self.addCleanup(self.lab.__exit__, None, None, None)
        self.r0 = self.lab.iface("r0")

    def test_ipv6_group_unicast_and_source_specific_group(self):
        self.lab.exec("gen", "ip", "addr", "add", f"{GEN6_OTHER}/64", "dev", self.lab.iface("g0"),
                      "nodad")
        sink = self.start_sink(f"{GROUP6}@{self.r0}", UNICAST6, f"{SSM6}@{self.r0},src={GEN6}")
        # The last flow is from a source the sink did not join: its kernel
        # filters it out (MLDv2 include mode), so it never shows.
        gen = generate(self.lab, "--flow", f"{GROUP6}@{GEN6}", "--flow", UNICAST6,
                       "--flow", f"{SSM6}@[{GEN6}]:4100", "--flow", f"{SSM6}@[{GEN6_OTHER}]:4101",
                       "--count", "2000", "--rate", RATE, "--size", "200",
                       "--skip", "10", "--dup", "7", "--swap", "3")
        self.assertEqual(gen["failed"], 0)
        self.assertEqual([f["dst"] for f in gen["flows"]], [GROUP6, UNICAST6, SSM6, SSM6])
        self.assertEqual(gen["flows"][2]["src"], f"[{GEN6}]:4100")
        expected = expected_counts(2000, skip=10, dup=7, swap=3)
        report = sink.result()
        self.assertEqual(set(report["by_flow"]), {(GROUP6, 0), (UNICAST6, 1), (SSM6, 2)})
        for key, flow in report["by_flow"].items():
            with self.subTest(flow=key):
                self.assert_counts(flow, expected)
                # 62 bytes of IPv6 headers in a 200-byte frame.
                self.assertEqual(flow["payload_bytes"], expected["received"] * (200 - 62))
                self.assert_latency_sane(flow)

    def test_ipv6_dpdk_generator_to_kernel_sink(self):
        relay_mac = mac_of(self.lab, "relay", self.r0)
        sink = self.start_sink(f"{GROUP6}@{RELAY6}", UNICAST6)
        # The frames are the generator's own: 33:33 MAC for the group, the
        # mandatory UDP checksum the kernel verifies, at an odd size too.
        gen = generate(self.lab, "--port", f"af_packet:{self.lab.iface('g0')}",
                       "--dst-mac", relay_mac, "--flow", GROUP6, "--flow", f"{UNICAST6}@[{GEN6}]:4001",
                       "--count", "3000", "--rate", RATE, "--size", "1513", eal=self.dpdk_eal())
        self.assertEqual([f["src"] for f in gen["flows"]], [f"[{GEN6}]:4000", f"[{GEN6}]:4001"])
        report = sink.result()
        for flow_id, endpoint in enumerate((GROUP6, UNICAST6)):
            with self.subTest(endpoint=endpoint):
                flow = report["by_flow"][(endpoint, flow_id)]
                self.assert_counts(flow, expected_counts(3000))
                self.assertEqual(flow["payload_bytes"], 3000 * (1513 - 62))

    def test_ipv6_kernel_generator_to_dpdk_sink(self):
        sink = self.start_sink("--port", f"af_packet:{self.r0}", GROUP6)
        generate(self.lab, "--flow", f"{GROUP6}@{GEN6}", "--flow", f"{SSM6}@{GEN6}",
                 "--count", "2000", "--rate", RATE)
        report = sink.result()
        self.assertEqual(list(report["by_flow"]), [(GROUP6, 0)])
        self.assertEqual(report["bad_checksum"], 0)
        self.assertEqual(report["other_endpoint"], 2000)
        self.assert_counts(report["by_flow"][(GROUP6, 0)], expected_counts(2000))

    def test_a_range_of_groups_of_both_families(self):
        # 30 IPv4 and 30 IPv6 groups, one socket and one flow id each.
        sink = self.start_sink(f"239.1.0.1:5000@{RELAY_ADDR}", f"[ff3e::7:ffff]:5000@{self.r0}",
                               "--dst-count", "30")
        gen = generate(self.lab, "--flow", f"239.1.0.1:5000@{GEN_ADDR}",
                       "--flow", f"[ff3e::7:ffff]:5000@{GEN6}", "--dst-count", "30",
                       "--count", "100", "--rate", RATE)
        self.assertEqual(len(gen["flows"]), 60)
        self.assertEqual(gen["flows"][29]["dst"], "239.1.0.30:5000")
        self.assertEqual(gen["flows"][31]["dst"], "[ff3e::8:0]:5000")  # across a 16-bit boundary
        report = sink.result()
        want = {(f["dst"], f["flow_id"]) for f in gen["flows"]}
        self.assertEqual(set(report["by_flow"]), want)
        for key, flow in report["by_flow"].items():
            with self.subTest(flow=key):
                self.assert_counts(flow, expected_counts(100))


if __name__ == "__main__":
    unittest.main()
