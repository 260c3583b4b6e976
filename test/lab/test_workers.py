"""Workers with idle_sleep_us give their core back when there is nothing to
do (the softirq and processes that share it then run), and still relay
every datagram; without it they busy-poll."""

import os
import time
import unittest

from labkit import Lab, Mcr, skip_unless_root

CONFIG = """
ports:
  - {{ name: up0, iface: "@P@r0", driver: af_packet }}
  - {{ name: down0, iface: "@P@r1", driver: af_packet }}
workers: {{ lcores: [1]{extra} }}
rules:
  - name: feed
    match: {{ port: up0, dst: 239.1.1.1, dport: 5000 }}
    outputs:
      - {{ port: down0, dst: 239.2.2.2, dport: 6000 }}
"""


def worker_cpu_seconds(pid):
    """User + system time of the process's worker lcore threads."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            if "worker" not in f.read():
                continue
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (ticks)
    return total / os.sysconf("SC_CLK_TCK")


def idle_share(mcr, seconds=2.0):
    """The worker's share of one core while no traffic flows."""
    c0, t0 = worker_cpu_seconds(mcr.proc.pid), time.monotonic()
    time.sleep(seconds)
    return (worker_cpu_seconds(mcr.proc.pid) - c0) / (time.monotonic() - t0)


@skip_unless_root
class WorkersTest(unittest.TestCase):
    def test_an_idle_worker_sleeps_and_still_relays_everything(self):
        with Lab() as lab:
            with Mcr(lab, CONFIG.format(extra="")) as busy:
                busy_share = idle_share(busy)
                self.assertEqual(busy.telemetry("/mcr/workers")["worker0"]["idle_sleeps"], 0)
                self.assertEqual(busy.stop(), 0)

            with Mcr(lab, CONFIG.format(extra=", idle_sleep_us: 200")) as mcr:
                sleepy_share = idle_share(mcr)
                self.assertGreater(mcr.telemetry("/mcr/workers")["worker0"]["idle_sleeps"], 0)
                # Busy polling takes whatever the core gives it (100 % when
                # idle here); sleeping 200 us per idle round, about 11 %:
                # each wake-up costs a VM some 25 us.
                self.assertLess(sleepy_share, 0.3, f"busy polling took {busy_share:.0%}")
                self.assertGreater(busy_share, 2 * sleepy_share)

                sink = lab.start_sink("sink1", 2000, ("239.2.2.2:6000",))
                sent = lab.send_udp(2000)
                got = lab.sink_result(sink)["239.2.2.2:6000"]
                self.assertEqual(got["count"], sent)
                self.assertEqual(got["bad_payload"], 0)
                self.assertEqual(mcr.stop(), 0)


if __name__ == "__main__":
    unittest.main()
