"""mcr-bench --quick in the lab: it runs all its systems (mcr on af_xdp and
af_packet, testpmd io, the kernel through smcrouted, an XDP redirect, DPDK's
ipv4_multicast on af_packet, built from dpdk-doc's source) over the quick
cases and writes its markdown table with the flood rows, its CSV with a row
per system and case, and non-empty PNG plots. ipv4_multicast runs where the
case allows (fan-out 2 to 4) and says why not elsewhere; on af_xdp it is
never run, and its rows say why. On a kernel without multicast routing
(CONFIG_IP_MROUTE off) the kernel system is reported unavailable with that
reason and the run still completes. The rates and latencies themselves are
not asserted: they are whatever this host gives."""

import csv
import errno
import os
import socket
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = os.environ.get("MCR_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BENCH = os.path.join(SOURCE_DIR, "tools", "bench", "mcr-bench")
SYSTEMS = {"mcr-af_xdp", "mcr-af_packet", "testpmd-io", "kernel", "xdp-redirect",
           "ipv4_multicast-af_packet", "ipv4_multicast-af_xdp"}
ONE_TO_ONE = {"testpmd-io", "xdp-redirect"}
IPV4_MC_SRC = "/usr/share/dpdk/examples/ipv4_multicast/main.c"


def kernel_mroute_errno():
    """0 if this kernel has multicast routing, else why MRT_INIT fails."""
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP) as s:
        try:
            s.setsockopt(socket.IPPROTO_IP, 200, 1)   # MRT_INIT
        except OSError as e:
            return e.errno
    return 0
QUICK_CASES = {("66", "1"), ("1400", "1"), ("66", "4")}


@unittest.skipUnless(os.geteuid() == 0, "lab tests need root")
@unittest.skipUnless(shutil.which("smcrouted") and shutil.which("dpdk-testpmd"),
                     "needs smcroute and dpdk-testpmd (tools/install-deps.sh)")
@unittest.skipUnless(os.path.isfile(IPV4_MC_SRC), "needs dpdk-doc (tools/install-deps.sh)")
class BenchQuickTest(unittest.TestCase):
    def test_quick_run_writes_table_csv_and_plots(self):
        with tempfile.TemporaryDirectory(prefix="mcr-bench-test-") as results:
            run = subprocess.run([sys.executable, BENCH, "--quick", "--results", results],
                                 capture_output=True, text=True, timeout=840)
            self.assertEqual(run.returncode, 0, run.stderr[-3000:])

            with open(os.path.join(results, "results.md")) as f:
                table = f.read()
            self.assertIn("| frame B | fan-out | system |", table)
            for system in SYSTEMS:
                self.assertIn(f"| {system} |", table)
            self.assertIn("## Flood", table)
            flood = table.split("## Flood", 1)[1]

            with open(os.path.join(results, "results.csv"), newline="") as f:
                rows = list(csv.DictReader(f))
            seen = {(r["system"], r["size"], r["fanout"]) for r in rows}
            expected = {(s, size, fan) for s in SYSTEMS for size, fan in QUICK_CASES}
            self.assertEqual(seen, expected)
            self.assertEqual(len(rows), len(expected))
            no_mroute = kernel_mroute_errno() == errno.ENOPROTOOPT
            if no_mroute:
                self.assertIn("System kernel unavailable on this host", table)
                self.assertIn("Protocol not available (ENOPROTOOPT)", table)
            for r in rows:
                with self.subTest(system=r["system"], size=r["size"], fanout=r["fanout"]):
                    if r["system"] in ONE_TO_ONE and r["fanout"] != "1":
                        self.assertEqual(r["status"], "n/a")
                        continue
                    if r["system"] == "ipv4_multicast-af_xdp":
                        self.assertEqual(r["status"], "n/a")
                        self.assertIn("chained mbuf", r["note"])
                        continue
                    if r["system"] == "ipv4_multicast-af_packet" and r["fanout"] == "1":
                        self.assertEqual(r["status"], "n/a")
                        continue
                    if r["system"] == "kernel" and no_mroute:
                        self.assertEqual(r["status"], "unavailable")
                        self.assertIn("CONFIG_IP_MROUTE", r["note"])
                        self.assertIn("Protocol not available", r["note"])
                        continue
                    # Each system started and forwarded at the warm-up rate.
                    self.assertEqual(r["status"], "ok", r["note"])
                    self.assertGreaterEqual(float(r["pdr_pps"]), float(r["ndr_pps"]))
                    # The flood trial offered the generator's maximum and
                    # something was delivered; its row is in the flood table.
                    self.assertGreater(float(r["flood_offered_pps"]), 0)
                    self.assertGreater(float(r["flood_delivered_pps"]), 0)
                    self.assertIn(f"| {r['size']} | {r['fanout']} | {r['system']} |", flood)

            with open(os.path.join(results, "trials.csv"), newline="") as f:
                trials = list(csv.DictReader(f))
            self.assertTrue(trials)
            self.assertIn("cpu1_softirq", trials[0])
            self.assertIn("flood", {t["kind"] for t in trials})

            for png in ("rates.png", "latency.png"):
                path = os.path.join(results, png)
                self.assertTrue(os.path.isfile(path), png)
                with open(path, "rb") as f:
                    self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", png)
                self.assertGreater(os.path.getsize(path), 1000, png)


if __name__ == "__main__":
    unittest.main()
