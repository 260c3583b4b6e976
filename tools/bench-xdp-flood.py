#!/usr/bin/env python3
"""Flood benchmark of mcr's XDP strict filter, in the lab.

A generator (testpmd txonly on net_af_xdp, as fast as it goes) floods the
relay's af_packet ingress with 64-byte UDP to a group no rule wants. Run 1:
`xdp: { filter: strict }` drops it in XDP. Run 2: the normal filter passes
it, af_packet hands it to mcr, which drops it in user space (no-rule).
Same machine, same run, side by side: offered rate, where the packets were
dropped per second, what was lost on the way, and the softirq CPU.

usage: tools/bench-xdp-flood.py [--seconds N]   (root; builds nothing)"""

import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "lab"))
from labkit import Lab, Mcr  # noqa: E402

CONFIG = """
ports:
  - {{ name: up0, iface: "@P@r0", driver: af_packet, xdp: {{ filter: {filter} }} }}
  - {{ name: down0, iface: "@P@r1", driver: af_packet }}
workers: {{ lcores: [1] }}
pools:
  - {{ name: small, data_size: 2048, count: 8191 }}
rules:
  - name: feed-a
    match: {{ port: up0, dst: 239.1.1.1, dport: 5000 }}
    outputs: [ {{ port: down0, dst: 239.2.2.2, dport: 6000 }} ]
"""


def softirq_jiffies():
    with open("/proc/stat") as f:
        fields = f.readline().split()
    return int(fields[7])  # cpu  user nice system idle iowait irq softirq


def iface_rx(lab, iface):
    out = lab.exec("relay", "cat", f"/sys/class/net/{iface}/statistics/rx_packets").stdout
    return int(out)


def run(filter_mode, seconds):
    with Lab() as lab, Mcr(lab, CONFIG.format(filter=filter_mode)) as mcr:
        gen = lab.popen("gen", "dpdk-testpmd", "--lcores", "0@0,1@0", "--no-huge", "-m", "512",
                        "--no-pci", "--file-prefix", f"gen{lab.prefix}", "--vdev",
                        f"net_af_xdp0,iface={lab.iface('g0')}", "--log-level", "lib.eal:error",
                        "--", "--forward-mode=txonly", "--tx-ip=198.18.1.2,239.9.9.9",
                        "--eth-peer=0,01:00:5e:09:09:09", "--stats-period", "1",
                        "--auto-start", "--total-num-mbufs=16384",
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(2)  # warm up

        def sample():
            return (time.time(), iface_rx(lab, lab.iface("r0")),
                    mcr.telemetry("/mcr/xdp")["up0"]["drop_strict"],
                    mcr.telemetry("/mcr/drops")["no_rule"], mcr.port("up0")["rx_packets"],
                    softirq_jiffies())

        t0, rx0, x0, u0, m0, s0 = sample()
        time.sleep(seconds)
        t1, rx1, x1, u1, m1, s1 = sample()
        gen.terminate()
        gen.wait(10)
        dt = t1 - t0
        offered = (rx1 - rx0) / dt
        xdp = (x1 - x0) / dt
        user = (u1 - u0) / dt
        received = (m1 - m0) / dt
        lost = max(offered - xdp - received, 0)
        softirq = (s1 - s0) / os.sysconf("SC_CLK_TCK") / dt * 100
        return offered, xdp, user, lost, softirq


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench-xdp-flood: needs root (lab)")
    rows = []
    for mode in ("strict", "normal"):
        rows.append((mode, *run(mode, args.seconds)))
    print(f"| filter | offered pps | dropped in XDP pps | dropped by mcr (no-rule) pps | "
          f"lost before mcr pps | softirq CPU % | softirq ns per packet |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for mode, offered, xdp, user, lost, softirq in rows:
        per_packet = softirq / 100 * 1e9 / offered if offered else 0
        print(f"| {mode} | {offered:,.0f} | {xdp:,.0f} | {user:,.0f} | {lost:,.0f} | "
              f"{softirq:.0f} | {per_packet:,.0f} |")


if __name__ == "__main__":
    main()
