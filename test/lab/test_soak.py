"""Soak: two flows at a steady rate through mcr while a third rule is added
and deleted without pause and the configuration is reloaded again and
again. The untouched flows lose nothing, pools and process memory stay
flat, and every received packet is forwarded or dropped under a reason.

MCR_SOAK_SECONDS sets the length: 20 s by default (CI), 600 for the long
run (tools/run-soak.sh). MCR_SOAK_RATE sets the rate per flow (pps)."""

import json
import os
import signal
import subprocess
import threading
import time
import unittest

from labkit import BUILD_DIR, Lab, Mcr, skip_unless_root
from test_control import CONFIG, RULE_C

SECONDS = float(os.environ.get("MCR_SOAK_SECONDS", "20"))
# pps per flow: far under this VM's PDR, so loss means a bug
RATE = int(os.environ.get("MCR_SOAK_RATE", "2000"))
GEN = os.path.join(BUILD_DIR, "tools", "gen", "mcr-gen")
SINK = os.path.join(BUILD_DIR, "tools", "sink", "mcr-sink")
RULE_D = ("\n  - name: feed-d\n    match: { port: up0, dst: 239.1.1.4, dport: 5000 }\n"
          "    outputs: [ { port: down0, dst: 239.7.7.7, dport: 6000 } ]\n")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@skip_unless_root
class SoakTest(unittest.TestCase):
    def test_soak_with_rule_churn_and_reloads(self):
        with Lab() as lab, Mcr(lab, CONFIG) as mcr:
            sink = lab.popen("sink1", SINK, "239.2.2.2:6000", "239.4.4.4:6000", "--iface-addr",
                             "198.18.2.2", "--idle", "3", "--json", "-", "--quiet",
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertIn("ready", sink.stderr.readline())
            count = int(RATE * SECONDS)
            gen = lab.popen("gen", GEN, "--flow", "239.1.1.1:5000", "--flow", "239.1.1.2:5000",
                            "--rate", str(2 * RATE), "--count", str(count), "--size", "128",
                            "--quiet", "--json", "-", stdout=subprocess.PIPE, text=True)

            stop = threading.Event()
            churned = [0, 0]

            def churn():
                while not stop.is_set():
                    r = mcr.ctl(input=f"{RULE_C}\nrule del feed-c\n" * 50)
                    if r.returncode == 0:
                        churned[0] += 50

            def reload():
                with_d = False
                while not stop.wait(1.0):
                    with_d = not with_d
                    mcr.rewrite_config(CONFIG + (RULE_D if with_d else ""))
                    mcr.proc.send_signal(signal.SIGHUP)
                    churned[1] += 1

            workers = [threading.Thread(target=churn), threading.Thread(target=reload)]
            for t in workers:
                t.start()
            # RSS every tenth of the run: it grows at first while traffic
            # touches pool and heap pages for the first time (with
            # --no-huge they are ordinary pages, faulted in on first use),
            # so only the second half must be flat.
            rss = []
            for _ in range(10):
                if gen.poll() is None:
                    time.sleep(SECONDS / 10)
                rss.append(rss_kb(mcr.proc.pid))
                if len(rss) == 5:
                    early = (rss[-1], mcr.telemetry("/mcr/pools"))
            self.assertEqual(gen.wait(SECONDS + 60), 0)
            late = (rss_kb(mcr.proc.pid), mcr.telemetry("/mcr/pools"))
            stop.set()
            for t in workers:
                t.join()
            out, _ = sink.communicate(timeout=60)
            report = json.loads(out)

            self.assertGreater(churned[0], 0)
            self.assertGreater(churned[1], 0)
            flows = {f["endpoint"]: f for f in report["flows"]}
            for endpoint in ("239.2.2.2:6000", "239.4.4.4:6000"):
                with self.subTest(endpoint=endpoint):
                    self.assertEqual(flows[endpoint]["received"], count)
                    self.assertEqual(flows[endpoint]["lost"], 0)
                    self.assertEqual(flows[endpoint]["duplicated"], 0)
                    self.assertEqual(flows[endpoint]["reordered"], 0)

            # Flat: memory of the process and buffers in the pools.
            self.assertLess(late[0] - early[0], 1024,
                            f"RSS grew by more than 1 MB in the second half: {rss} kB")
            for name, pool in early[1].items():
                self.assertLessEqual(abs(late[1][name]["in_use"] - pool["in_use"]), 32, name)

            # Consistent: received = forwarded + dropped by reason.
            rules = mcr.rules()
            forwarded = rules["feed-a"]["packets"] + rules["feed-b"]["packets"]
            dropped = sum(mcr.telemetry("/mcr/drops").values())
            self.assertEqual(mcr.port("up0")["rx_packets"], forwarded + dropped)
            self.assertEqual(forwarded, 2 * count)
            self.assertEqual(mcr.stop(), 0)
            print(f"\nsoak: {SECONDS:.0f} s, {2 * count} packets, {churned[0]} rule add/del "
                  f"pairs, {churned[1]} reloads, RSS every tenth (kB): {rss}, at the end "
                  f"{late[0]}; pools in use at half time {early[1]}, at the end {late[1]}")


if __name__ == "__main__":
    unittest.main()
