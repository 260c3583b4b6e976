"""Merged and monitored rules in the running appliance (issue 16), on both
PMDs. The lab gets a second ingress link, the B line: generator `gb`
(198.18.9.2) to relay `rb` (198.18.9.1), beside the A line g0 -> r0.

- Two copies of one mcr-gen stream, one per line, each losing an
  independent 10 %, merged by a binary sequence field (32 bits, little
  endian, crossing its wrap): the kernel socket behind mcr receives every
  number once, missing only those both lines lost; the rule's stream
  counters (gaps, duplicates, per input first/only, multiple) are exactly
  what the two loss sets imply.
- A real RTP sender (GStreamer's rtpL16pay, crossing the 16-bit wrap) sent
  as two copies, each branch dropping 10 % at random, merged with
  `sequence: rtp`: each RTP sequence number reaches the receiver once; what
  each line carried is read off the generator's wire.
- A monitored plain rule fed with loss, duplicates and swaps: everything is
  forwarded in order and the health counters match the generator's hooks.
- Datagrams too short for the field: `no-sequence`, dropped by the merged
  rule, forwarded by the monitored one.
- The merged rule replaced by a reload mid-stream: the replacement keeps
  the stream's window, so the receiver still gets every number once.
- Two workers (af_packet, whose fanout spreads flows over them): packets of
  both inputs that reach the worker not owning the stream are handed to
  the owner, and the merge is as exact as with one."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
from collections import Counter

from labkit import BUILD_DIR, Lab, Mcr, run, skip_unless_root

GEN = os.path.join(BUILD_DIR, "tools", "gen", "mcr-gen")
SEQS_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seqs.py")
GST = shutil.which("gst-launch-1.0")

WINDOW = 1024
FIELD = "{ offset: 24, size: 4, order: little }"  # mcr-gen --seq-field 24:4:little
FIELD_START = 2**32 - 3000  # the field wraps 3000 numbers into the stream

CONFIG = """
ports:
  - {{ name: upA, iface: "@P@r0", driver: {driver} }}
  - {{ name: upB, iface: "@P@rb", driver: {driver} }}
  - {{ name: down, iface: "@P@r1", driver: {driver} }}
workers:
  lcores: [1]
pools:
  - {{ name: small, data_size: 2048, count: 16383 }}
rules:
  - name: feed
    inputs:
      - {{ port: upA, dst: 239.1.1.1, dport: 5000 }}
      - {{ port: upB, dst: 239.1.2.1, dport: 5000 }}
    merge: {{ sequence: {sequence}, window: {window} }}
    outputs: [ {{ port: down, dst: 239.2.2.2, dport: 6000 }} ]
  - name: watched
    match: {{ port: upA, dst: 239.1.1.9, dport: 5000 }}
    monitor: {{ sequence: {field}, window: {window} }}
    outputs: [ {{ port: down, dst: 239.2.2.9, dport: 6009 }} ]
"""

MERGED_OUT, WATCHED_OUT = "239.2.2.2:6000", "239.2.2.9:6009"
A_SRC, B_SRC = "198.18.1.2", "198.18.9.2"


def config(driver, sequence=FIELD):
    return CONFIG.format(driver=driver, sequence=sequence, window=WINDOW, field=FIELD)


def add_b_line(lab):
    """The B line: a second veth from the generator host to the relay, with
    the B groups (239.1.2.0/24) routed out of it."""
    gen, relay = lab.ns("gen"), lab.ns("relay")
    g, r = lab.iface("gb"), lab.iface("rb")
    q = str(lab.queues)
    run("ip", "link", "add", g, "netns", gen, "numtxqueues", q, "numrxqueues", q, "type", "veth",
        "peer", "name", r, "netns", relay, "numtxqueues", q, "numrxqueues", q)
    run("ip", "-n", gen, "addr", "add", f"{B_SRC}/24", "dev", g)
    run("ip", "-n", relay, "addr", "add", "198.18.9.1/24", "dev", r)
    run("ip", "-n", gen, "link", "set", g, "up")
    run("ip", "-n", relay, "link", "set", r, "up")
    run("ip", "-n", gen, "route", "add", "239.1.2.0/24", "dev", g)


class Seqs:
    """seqs.py in a lab host (see its usage); result() once it is done."""

    def __init__(self, lab, host, mode, fmt, *specs, seconds=50, idle=1.5):
        self.proc = lab.popen(host, "/usr/bin/python3", SEQS_PY, mode, str(seconds), str(idle),
                              fmt, *specs, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.proc.kill()
            raise AssertionError(f"seqs.py did not start: {line}")
        time.sleep(0.3)  # the joins reach the relay

    def result(self, timeout=60):
        out, _ = self.proc.communicate(timeout=timeout)
        return json.loads(out.strip().splitlines()[-1])


def expected_stream(paths, window=WINDOW):
    """What the rule's sequence window must count, from the numbers each
    input delivered (unwrapped, in any order, none more than a window
    behind the highest when it arrives): lib/engine/sequence_window.h. A
    number is judged (gap, only one input, several) when it leaves the
    window, i.e. once a number `window` above it arrived; numbers before
    the stream's first are not part of it."""
    sets = [set(p) for p in paths]
    union = set().union(*sets)
    low, high = min(union), max(union)

    def left(n):
        return n + window <= high
    return {
        "accepted": len(union),
        "duplicates": sum(len(p) for p in paths) - len(union),
        "gaps": sum(1 for n in range(low, high + 1) if n not in union and left(n)),
        "only": [sum(1 for n in s if left(n) and not any(n in o for o in sets if o is not s))
                 for s in sets],
        "multiple": sum(1 for n in union if left(n) and sum(n in s for s in sets) > 1),
    }


def stream_of(mcr, rule, settle=0.3):
    """The rule's stream counters from /mcr/rule, its inputs as a list."""
    time.sleep(settle)
    stream = mcr.rule(rule)["stream"]
    stream["inputs"] = [stream["inputs"][str(i)] for i in range(len(stream["inputs"]))]
    return stream


def gen_order(count, omitted, dup=0, swap=0):
    """mcr-gen's send order for one flow (doc/traffic-tools.md, Test hooks)
    with the numbers it reported omitted left out."""
    order, s = [], 0

    def queue(x):
        if x in omitted:
            return
        order.append(x)
        if dup and (x + 1) % dup == 0:
            order.append(x)
    while s < count:
        if swap and s % 2 == 0 and (s // 2 + 1) % swap == 0 and s + 1 < count:
            queue(s + 1)
            queue(s)
            s += 2
        else:
            queue(s)
            s += 1
    return order


def reordered_in(order):
    seen, high, n = set(), -1, 0
    for x in order:
        if x not in seen and x < high:
            n += 1
        seen.add(x)
        high = max(high, x)
    return n


@skip_unless_root
class MergeTest(unittest.TestCase):
    COUNT = 10000

    def run_gen(self, lab, *args, meanwhile=None):
        """mcr-gen in the generator host; its summary and omitted numbers.
        meanwhile(): called while it sends."""
        with tempfile.TemporaryDirectory(prefix="mcr-merge-") as d:
            summary, omitted = os.path.join(d, "gen.json"), os.path.join(d, "omitted.json")
            gen = lab.popen("gen", GEN, "--quiet", "--json", summary, "--omitted", omitted, *args)
            try:
                if meanwhile:
                    meanwhile()
                self.assertEqual(gen.wait(60), 0)
            finally:
                if gen.poll() is None:
                    gen.kill()
                    gen.wait()
            with open(summary) as f, open(omitted) as g:
                return json.load(f), [set(fl["omitted"]) for fl in json.load(g)["flows"]]

    def merged_generator_lines_through(self, lab, mcr, count, rate, meanwhile=None):
        """The A and B lines of one mcr-gen stream, 10 % lost on each,
        through the rule `feed`: the receiver gets every number once, but
        for those both lost, and the stream's counters are exact. Returns
        the stream."""
        rx = Seqs(lab, "sink1", "recv", "mcrt", MERGED_OUT)
        summary, (lost_a, lost_b) = self.run_gen(
            lab, "--flow", f"239.1.1.1:5000@{A_SRC}", "--flow", f"239.1.2.1:5000@{B_SRC}",
            "--same-flow-id", "--count", str(count), "--rate", str(rate),
            "--loss", "10", "--seed", "16", "--seq-field", "24:4:little",
            "--seq-start", str(FIELD_START), meanwhile=meanwhile)
        got = rx.result()[MERGED_OUT]

        a = [n for n in range(count) if n not in lost_a]
        b = [n for n in range(count) if n not in lost_b]
        self.assertEqual([fl["sent"] for fl in summary["flows"]], [len(a), len(b)])
        self.assertEqual(summary["failed"], 0)
        both = lost_a & lost_b
        # Independent 10 % losses: about 1 % lost on both lines.
        self.assertTrue(0.8 * count / 100 < len(both) < 1.2 * count / 100, len(both))

        # Every number once, missing only those both lines lost.
        self.assertEqual(got["short"], 0)
        counts = Counter(got["seqs"])
        self.assertEqual([n for n, k in counts.items() if k > 1], [])
        self.assertEqual(set(counts), set(range(count)) - both)

        want = expected_stream([a, b])
        stream = stream_of(mcr, "feed")
        self.assertEqual(stream["mode"], "merge")
        for key in ("accepted", "duplicates", "gaps", "multiple"):
            self.assertEqual(stream[key], want[key], key)
        self.assertEqual([i["port"] for i in stream["inputs"]], ["upA", "upB"])
        self.assertEqual([i["only"] for i in stream["inputs"]], want["only"])
        firsts = [i["first"] for i in stream["inputs"]]
        self.assertEqual(sum(firsts), want["accepted"])
        # Numbers only one line carried were that line's first.
        self.assertGreaterEqual(firsts[0], len(set(a) - set(b)))
        self.assertGreaterEqual(firsts[1], len(set(b) - set(a)))
        for key in ("late", "resyncs", "no_sequence"):
            self.assertEqual(stream[key], 0, key)
        drops = mcr.telemetry("/mcr/drops")
        self.assertEqual(drops["duplicate"], want["duplicates"])
        self.assertEqual(drops["late"], 0)
        self.assertEqual(mcr.port("down")["tx_packets"], want["accepted"])
        # The console shows the same health.
        shown = mcr.ctl("show", "rule", "feed", check=True).stdout
        self.assertIn(f"stream (merged, worker 0): accepted {want['accepted']} "
                      f"duplicates {want['duplicates']} late 0", shown)
        self.assertIn(f"gaps {want['gaps']} ", shown)
        self.assertIn(f"delivered by several inputs: {want['multiple']}", shown)
        return stream

    def merged_generator_lines(self, driver):
        with Lab() as lab:
            add_b_line(lab)
            with Mcr(lab, config(driver)) as mcr:
                self.merged_generator_lines_through(lab, mcr, self.COUNT, 20000)
                self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def test_af_xdp_generator_lines_merged(self):
        self.merged_generator_lines("af_xdp")

    def test_af_packet_generator_lines_merged(self):
        self.merged_generator_lines("af_packet")

    def test_af_xdp_reload_keeps_the_merge(self):
        # The rule replaced mid-stream (a DSCP on its output): the
        # replacement shares the stream's window, so nothing is relayed
        # twice or lost across it and the counters run on.
        with Lab() as lab:
            add_b_line(lab)
            with Mcr(lab, config("af_xdp")) as mcr:
                def reload():
                    time.sleep(1)
                    mcr.rewrite_config(config("af_xdp").replace(
                        "dst: 239.2.2.2, dport: 6000 }", "dst: 239.2.2.2, dport: 6000, dscp: 10 }"))
                    r = mcr.ctl("reload")
                    self.assertIn("1 changed", r.stdout, r.stderr)
                self.merged_generator_lines_through(lab, mcr, 15000, 10000, meanwhile=reload)
                self.assertEqual(mcr.rule("feed")["outputs"]["0"]["dscp"], "10")
                self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def test_af_packet_two_workers_hand_inputs_to_the_stream_owner(self):
        # Each line is 8 flows (source ports) of the whole stream: af_packet's
        # fanout spreads them over both workers, so packets of both inputs
        # reach the worker that does not own the stream and are handed over
        # (all 16 on the owner: p = 2^-16). Lcores 1 and 2 share a core.
        count, sports = 2000, range(4001, 4009)
        with Lab(queues=2) as lab:
            add_b_line(lab)
            two = config("af_packet").replace("lcores: [1]", "lcores: [1, 2]")
            with Mcr(lab, two, lcores="0@0,1@1,2@1") as mcr:
                rx = Seqs(lab, "sink1", "recv", "mcrt", MERGED_OUT)
                flows = [f"239.1.1.1:5000@{A_SRC}:{p}" for p in sports] + \
                        [f"239.1.2.1:5000@{B_SRC}:{p}" for p in sports]
                summary, lost = self.run_gen(
                    lab, *(a for f in flows for a in ("--flow", f)), "--same-flow-id",
                    "--count", str(count), "--rate", "32000", "--loss", "10", "--seed", "5",
                    "--seq-field", "24:4:little", "--seq-start", str(FIELD_START))
                got = rx.result()[MERGED_OUT]
                self.assertEqual(summary["failed"], 0)
                copies = [[n for n in range(count) if n not in lost[f]] for f in range(len(flows))]
                a = [n for c in copies[:len(sports)] for n in c]
                b = [n for c in copies[len(sports):] for n in c]

                counts = Counter(got["seqs"])
                self.assertEqual([n for n, k in counts.items() if k > 1], [])
                self.assertEqual(set(counts), set(a) | set(b))
                want = expected_stream([a, b])
                stream = stream_of(mcr, "feed")
                for key in ("accepted", "duplicates", "gaps", "multiple"):
                    self.assertEqual(stream[key], want[key], key)
                self.assertEqual([i["only"] for i in stream["inputs"]], want["only"])
                self.assertEqual((stream["late"], stream["resyncs"]), (0, 0))
                self.assertEqual(mcr.telemetry("/mcr/drops")["handoff_full"], 0)

                workers = mcr.telemetry("/mcr/workers")
                other = workers[f"worker{1 - stream['owner']}"]
                self.assertGreater(other["rx_packets_upA"] + other["rx_packets_upB"], 0, workers)
                self.assertEqual(sum(w["rx_packets_upA"] + w["rx_packets_upB"]
                                     for w in workers.values()), len(a) + len(b))
                self.assertEqual(mcr.stop(), 0, mcr.stderr)

    RTP_COUNT = 3000
    RTP_FIRST = 64000  # 16-bit RTP numbers wrap 1536 packets in

    def rtp_copies(self, driver):
        if GST is None:
            self.skipTest("gst-launch-1.0 missing (tools/install-deps.sh installs it)")
        with Lab() as lab:
            add_b_line(lab)
            with Mcr(lab, config(driver, sequence="rtp")) as mcr:
                rx = Seqs(lab, "sink1", "recv", "rtp", MERGED_OUT)
                wire_a, wire_b = f"{lab.iface('g0')}:5000", f"{lab.iface('gb')}:5000"
                wire = Seqs(lab, "gen", "wire", "rtp", wire_a, wire_b)
                # One payloader, then a tee: both copies carry the same
                # RTP packets; each branch loses its own 10 %. 1 ms of
                # 48 kHz audio per packet, paced by the pipeline's clock.
                branch = ("t. ! queue ! identity drop-probability=0.1 ! udpsink host={} port=5000 "
                          "ttl-mc=8 auto-multicast=false")
                lab.exec("gen", GST, "-q", "audiotestsrc", f"num-buffers={self.RTP_COUNT}",
                         "samplesperbuffer=48", "!",
                         "audio/x-raw,format=S16BE,layout=interleaved,rate=48000,channels=1", "!",
                         "rtpL16pay", f"seqnum-offset={self.RTP_FIRST}", "max-ptime=1000000", "!",
                         "tee", "name=t", *branch.format("239.1.1.1").split(),
                         *branch.format("239.1.2.1").split(), timeout=60)
                got = rx.result()[MERGED_OUT]
                wire.proc.terminate()
                carried = wire.result()

                def index(seq):
                    return (seq - self.RTP_FIRST) % 65536
                a = [index(s) for s in carried[wire_a]["seqs"]]
                b = [index(s) for s in carried[wire_b]["seqs"]]
                self.assertEqual(len(set(a)), len(a))
                self.assertEqual(len(set(b)), len(b))
                # Each line lost something the other carried (10 % each).
                self.assertLess(len(a), self.RTP_COUNT * 0.97)
                self.assertLess(len(b), self.RTP_COUNT * 0.97)

                counts = Counter(index(s) for s in got["seqs"])
                self.assertEqual(got["short"], 0)
                self.assertEqual([n for n, k in counts.items() if k > 1], [])
                self.assertEqual(set(counts), set(a) | set(b))
                self.assertGreater(max(counts), 65536 - self.RTP_FIRST)  # across the wrap

                want = expected_stream([a, b])
                stream = stream_of(mcr, "feed")
                for key in ("accepted", "duplicates", "gaps", "multiple"):
                    self.assertEqual(stream[key], want[key], key)
                self.assertEqual([i["only"] for i in stream["inputs"]], want["only"])
                self.assertEqual(stream["resyncs"], 0)
                self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def test_af_xdp_rtp_copies_merged(self):
        self.rtp_copies("af_xdp")

    def test_af_packet_rtp_copies_merged(self):
        self.rtp_copies("af_packet")

    def monitored(self, driver):
        count, dup, swap = 5000, 11, 7
        with Lab() as lab:
            add_b_line(lab)
            with Mcr(lab, config(driver)) as mcr:
                rx = Seqs(lab, "sink1", "recv", "mcrt", WATCHED_OUT)
                summary, (lost,) = self.run_gen(
                    lab, "--flow", f"239.1.1.9:5000@{A_SRC}", "--count", str(count),
                    "--rate", "20000", "--loss", "10", "--seed", "7", "--dup", str(dup),
                    "--swap", str(swap), "--seq-field", "24:4:little", "--seq-start",
                    str(FIELD_START))
                got = rx.result()[WATCHED_OUT]
                order = gen_order(count, lost, dup=dup, swap=swap)
                self.assertEqual(summary["sent"], len(order))
                # Everything forwarded, in the order sent.
                self.assertEqual(got["seqs"], order)

                want = expected_stream([order])
                stream = stream_of(mcr, "watched")
                self.assertEqual(stream["mode"], "monitor")
                self.assertEqual(stream["accepted"], len(set(order)))
                self.assertEqual(stream["duplicates"], len(order) - len(set(order)))
                self.assertEqual(stream["reordered"], reordered_in(order))
                self.assertEqual(stream["gaps"], want["gaps"])
                self.assertGreater(stream["gaps"], 0.08 * count)
                self.assertEqual([i["only"] for i in stream["inputs"]], want["only"])
                self.assertEqual(stream["inputs"][0]["first"], len(set(order)))
                for key in ("late", "resyncs", "multiple", "no_sequence"):
                    self.assertEqual(stream[key], 0, key)
                drops = mcr.telemetry("/mcr/drops")
                self.assertEqual((drops["duplicate"], drops["late"]), (0, 0))
                self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def test_af_xdp_monitored_rule_counts_and_forwards(self):
        self.monitored("af_xdp")

    def test_af_packet_monitored_rule_counts_and_forwards(self):
        self.monitored("af_packet")

    def too_short(self, driver):
        count = 300
        with Lab() as lab:
            add_b_line(lab)
            with Mcr(lab, config(driver)) as mcr:
                rx = Seqs(lab, "sink1", "recv", "mcrt", MERGED_OUT, WATCHED_OUT, idle=1)
                # 27 bytes: one short of the field's end (24 + 4).
                lab.send_udp(count, dst="239.1.1.1", size=27)
                lab.send_udp(count, dst="239.1.1.9", size=27)
                got = rx.result()
                self.assertEqual(got[MERGED_OUT]["count"], 0)
                self.assertEqual(got[WATCHED_OUT]["count"], count)

                merged, watched = stream_of(mcr, "feed"), stream_of(mcr, "watched", 0)
                self.assertEqual(merged["no_sequence"], count)
                self.assertEqual(watched["no_sequence"], count)
                self.assertEqual((merged["accepted"], watched["accepted"]), (0, 0))
                # Dropped (and so in /mcr/drops) by the merged rule only.
                self.assertEqual(mcr.telemetry("/mcr/drops")["no_sequence"], count)
                self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def test_af_xdp_too_short_for_the_field(self):
        self.too_short("af_xdp")

    def test_af_packet_too_short_for_the_field(self):
        self.too_short("af_packet")


if __name__ == "__main__":
    unittest.main()
