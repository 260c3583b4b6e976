"""Capturing a running port: mcr (the primary) lets DPDK's dpdk-dumpcap, a
secondary process, register rte_pdump callbacks on a port's queues; the
copies reach a pcapng file. A secondary maps the primary's memory from its
hugepage files, so mcr runs on 2 MB hugepages here (the other lab tests use
--no-huge, where no capture is possible: the last test shows it).

The test reserves the hugepages it needs on top of the host's, mounts a
hugetlbfs for them, and gives both back at the end; without them it skips."""

import glob
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
import unittest
from collections import Counter

from labkit import Lab, Mcr, run, skip_unless_root

DUMPCAP = shutil.which("dpdk-dumpcap") or "/usr/bin/dpdk-dumpcap"
TCPDUMP = shutil.which("tcpdump") or "/usr/bin/tcpdump"
HUGEPAGES_2M = "/sys/kernel/mm/hugepages/hugepages-2048kB"
MEMORY_MB = 256                 # mcr's -m: EAL maps all of it at start
PAGES = MEMORY_MB // 2 + 16     # 2 MB pages, with headroom for the EAL

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
      - {{ port: down0, dst: 198.18.2.2, dport: 7000 }}
"""

# pcapng enhanced packet block flags (epb_flags), bits 0-1.
INBOUND, OUTBOUND = 1, 2


def _read_int(path):
    with open(path) as f:
        return int(f.read())


def _write_int(path, value):
    with open(path, "w") as f:
        f.write(f"{value}\n")


class Hugepages:
    """`pages` 2 MB hugepages reserved on top of the host's, and a hugetlbfs
    mount for them; __exit__ unmounts and gives back what it added."""

    def __init__(self, pages):
        self.pages = pages
        self.added = 0
        self.dir = None
        self.mounted = False

    def __enter__(self):
        nr = os.path.join(HUGEPAGES_2M, "nr_hugepages")
        if not os.path.exists(nr):
            raise unittest.SkipTest(f"no 2 MB hugepages on this kernel ({nr})")
        try:
            before = _read_int(nr)
            _write_int(nr, before + self.pages)
            self.added = max(0, _read_int(nr) - before)
        except OSError as e:
            raise unittest.SkipTest(f"cannot reserve 2 MB hugepages: {e}")
        free = _read_int(os.path.join(HUGEPAGES_2M, "free_hugepages"))
        if free < self.pages:
            self.__exit__()
            raise unittest.SkipTest(f"only {free} free 2 MB hugepages after asking for "
                                    f"{self.pages} more (memory too fragmented or too small)")
        self.dir = tempfile.mkdtemp(prefix="mcr-huge-")
        result = run("mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "nodev", self.dir,
                     check=False)
        if result.returncode != 0:
            self.__exit__()
            raise unittest.SkipTest(f"cannot mount hugetlbfs: {result.stderr.strip()}")
        self.mounted = True
        return self

    def __exit__(self, *exc):
        if self.mounted:
            # Unmounting frees every page a file there still holds.
            run("umount", self.dir, check=False)
            self.mounted = False
        if self.dir is not None:
            try:
                os.rmdir(self.dir)
            except OSError:
                pass
            self.dir = None
        if self.added:
            nr = os.path.join(HUGEPAGES_2M, "nr_hugepages")
            _write_int(nr, max(0, _read_int(nr) - self.added))
            self.added = 0


class HugepageMcr(Mcr):
    """labkit's Mcr on hugepages from `huge_dir` instead of --no-huge."""

    def __init__(self, lab, config_text, huge_dir, **kw):
        super().__init__(lab, config_text, **kw)
        i = self.args.index("--no-huge")
        if self.args[i + 1] != "-m":
            raise AssertionError(f"labkit's mcr command line changed: {self.args}")
        self.args[i:i + 3] = ["-m", str(MEMORY_MB), "--huge-dir", huge_dir]
        self.huge_dir = huge_dir

    def close(self):
        super().close()
        # EAL leaves its hugepage files (for secondaries) and run directory.
        for f in glob.glob(os.path.join(self.huge_dir, f"{self.file_prefix}map_*")):
            os.unlink(f)
        shutil.rmtree(f"/var/run/dpdk/{self.file_prefix}", ignore_errors=True)


class Dumpcap:
    """dpdk-dumpcap in the relay host, attached to mcr; start() returns once
    the capture callbacks are installed."""

    def __init__(self, lab, mcr, interface, count, bpf_filter=None):
        self.dir = tempfile.TemporaryDirectory(prefix="mcr-cap-")
        self.path = os.path.join(self.dir.name, "capture.pcapng")
        self.err_path = os.path.join(self.dir.name, "stderr")
        # -a duration: a capture that never reaches its count still ends.
        self.args = [DUMPCAP, "--file-prefix", mcr.file_prefix, "-i", interface, "-w",
                     self.path, "-c", str(count), "-a", "duration:30"]
        if bpf_filter:
            self.args += ["-f", bpf_filter]
        self.lab = lab
        self.proc = None
        self.stdout = self.stderr = ""

    def start(self, timeout=20):
        self.err = open(self.err_path, "w+")
        self.proc = self.lab.popen("relay", *self.args, text=True, stdout=subprocess.PIPE,
                                   stderr=self.err)
        deadline = time.time() + timeout
        while time.time() < deadline:
            # Printed after rte_pdump_enable has returned.
            if "Packets captured:" in self.read_stderr():
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.wait(timeout=5)
        raise AssertionError(f"dpdk-dumpcap did not start (exit {self.proc.returncode}):\n"
                             f"{self.stdout}{self.stderr}")

    def read_stderr(self):
        self.err.flush()
        with open(self.err_path) as f:
            self.stderr = f.read()
        return self.stderr

    def wait(self, timeout=40):
        try:
            self.stdout, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.stdout, _ = self.proc.communicate()
        self.read_stderr()
        return self.proc.returncode

    def stats(self):
        """Per interface: (received, dropped) as dumpcap reports them."""
        return {m[0]: (int(m[1]), int(m[2])) for m in re.findall(
            r"Packets received/dropped on interface '([^']+)': (\d+)/(\d+)", self.stderr)}

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # dumpcap stops cleanly on SIGTERM
            self.proc.wait()
        if getattr(self, "err", None) is not None:
            self.err.close()
        self.dir.cleanup()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc):
        self.close()


def tcpdump_udp(path):
    """tcpdump's reading of a capture: (src, sport, dst, dport, length) per packet."""
    # -q: plain "UDP, length N", not a decoder's guess from the port (7000: AFS rx).
    out = run(TCPDUMP, "-nn", "-q", "-r", path).stdout
    lines = out.splitlines()
    flows = [re.search(r" IP (\S+)\.(\d+) > (\S+)\.(\d+): UDP, length (\d+)", line)
             for line in lines]
    return lines, [(f[1], int(f[2]), f[3], int(f[4]), int(f[5])) if f else None for f in flows]


def pcapng_packets(path):
    """(direction, UDP payload's sequence number) per enhanced packet block,
    straight from the file: tcpdump does not print epb_flags."""
    with open(path, "rb") as f:
        data = f.read()
    out, off, endian = [], 0, "<"
    while off + 12 <= len(data):
        btype = struct.unpack_from(endian + "I", data, off)[0]
        if btype == 0x0A0D0D0A:  # section header: its byte-order magic
            endian = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        blen = struct.unpack_from(endian + "I", data, off + 4)[0]
        if blen < 12:
            raise AssertionError(f"{path}: bad block length at {off}")
        if btype == 6:
            caplen = struct.unpack_from(endian + "I", data, off + 20)[0]
            frame = data[off + 28:off + 28 + caplen]
            flags = 0
            opt = off + 28 + ((caplen + 3) & ~3)
            while opt + 4 <= off + blen - 4:
                code, olen = struct.unpack_from(endian + "HH", data, opt)
                if code == 0:
                    break
                if code == 2 and olen == 4:
                    flags = struct.unpack_from(endian + "I", data, opt + 4)[0]
                opt += 4 + ((olen + 3) & ~3)
            ihl = (frame[14] & 0x0F) * 4
            seq = struct.unpack_from("!I", frame, 14 + ihl + 8)[0]
            out.append((flags & 3, seq))
        off += blen
    return out


def dumpcap_missing():
    return not os.access(DUMPCAP, os.X_OK) or not os.access(TCPDUMP, os.X_OK)


@skip_unless_root
@unittest.skipIf(dumpcap_missing(), f"needs {DUMPCAP} and {TCPDUMP}")
class CaptureTest(unittest.TestCase):
    COUNT = 500

    @classmethod
    def setUpClass(cls):
        cls.hugepages = Hugepages(PAGES).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.hugepages.__exit__()

    def mcr(self, lab, driver):
        return HugepageMcr(lab, CONFIG.format(driver=driver), self.hugepages.dir)

    def capture(self, lab, mcr, interface, count, bpf_filter, send):
        """Captures `count` packets while send() runs; dumpcap stops at
        `count` by itself. Returns the file's packets as tcpdump reads them
        (lines, flows) and with their direction (pcapng_packets)."""
        with Dumpcap(lab, mcr, interface, count, bpf_filter) as cap:
            send()
            self.assertEqual(cap.wait(), 0, cap.stdout + cap.stderr)
            # dumpcap's "received" counts copies made; "dropped" those that
            # found its ring full or its pool empty: none at this rate.
            self.assertIn(interface, cap.stats(), cap.stderr)
            self.assertEqual(cap.stats()[interface][1], 0, cap.stderr)
            lines, flows = tcpdump_udp(cap.path)
            return lines, flows, pcapng_packets(cap.path)

    def ingress(self, driver):
        with Lab() as lab, self.mcr(lab, driver) as mcr:
            port = f"net_{driver}_up0"
            # Twice: the second capture needs the first one's callbacks gone.
            for attempt in range(2):
                with self.subTest(attempt=attempt):
                    lines, flows, packets = self.capture(
                        lab, mcr, port, self.COUNT, "udp and dst port 5000",
                        lambda: self.assertEqual(lab.send_udp(self.COUNT, size=64), self.COUNT))
                    self.assertEqual(len(lines), self.COUNT, lines[:5])
                    self.assertEqual(set(flows), {("198.18.1.2", 4000, "239.1.1.1", 5000, 64)})
                    self.assertEqual({d for d, _ in packets}, {INBOUND})
                    self.assertEqual([s for _, s in packets], list(range(self.COUNT)))
            self.assertEqual(mcr.port("up0")["rx_packets"], 2 * self.COUNT)
            self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def egress(self, driver):
        with Lab() as lab, self.mcr(lab, driver) as mcr:
            # Two outputs per datagram, both on down0. The filter keeps out
            # what the sink's kernel sends (IGMP): af_packet receives it.
            lines, flows, packets = self.capture(
                lab, mcr, f"net_{driver}_down0", 2 * self.COUNT, "udp",
                lambda: self.assertEqual(lab.send_udp(self.COUNT, size=1400), self.COUNT))
            self.assertEqual(len(lines), 2 * self.COUNT, lines[:5])
            self.assertEqual(Counter(flows), {
                ("198.18.2.1", 4000, "239.2.2.2", 6000, 1400): self.COUNT,
                ("198.18.2.1", 4000, "198.18.2.2", 7000, 1400): self.COUNT})
            self.assertEqual({d for d, _ in packets}, {OUTBOUND})
            self.assertEqual(sorted(s for _, s in packets), sorted(list(range(self.COUNT)) * 2))
            self.assertEqual(mcr.port("down0")["tx_packets"], 2 * self.COUNT)
            self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def test_af_packet_ingress_rx(self):
        self.ingress("af_packet")

    def test_af_xdp_ingress_rx(self):
        self.ingress("af_xdp")

    def test_af_packet_egress_tx(self):
        self.egress("af_packet")

    def test_af_xdp_egress_tx(self):
        self.egress("af_xdp")


@skip_unless_root
@unittest.skipIf(dumpcap_missing(), f"needs {DUMPCAP} and {TCPDUMP}")
class NoHugepagesTest(unittest.TestCase):
    def test_no_huge_mcr_cannot_be_captured(self):
        # --no-huge memory is private to mcr: a secondary has nothing to map.
        with Lab() as lab, Mcr(lab, CONFIG.format(driver="af_packet")) as mcr:
            result = lab.exec("relay", DUMPCAP, "--file-prefix", mcr.file_prefix, "-D",
                              check=False, timeout=30)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn("is primary process running?", result.stderr)
            self.assertEqual(mcr.stop(), 0, mcr.stderr)
        shutil.rmtree(f"/var/run/dpdk/{mcr.file_prefix}", ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
