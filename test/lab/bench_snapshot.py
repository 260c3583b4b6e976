"""Benchmark, not a test (run by hand, as root): mcr in the lab with
100,000 rules (8 ports of 12,500, under the XDP program's 16,384 keys a
port). Prints the start-up time, the time one stats snapshot of every rule
takes (mcr_metrics_collect_seconds of a scrape with metrics.max_rules at
100,000: collect_stats over all rules, the control mutex held while their
counters are copied), `show rules` over mcr-ctl, and a walk of every
/mcr/rules page.

    python3 test/lab/bench_snapshot.py [RULES]
"""

import json
import re
import sys
import time

from labkit import Lab, Mcr
from test_telemetry_scale import Telemetry

PORTS = 8
FETCH = """
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=300) as r:
    sys.stdout.write(r.read().decode())
"""


def config(n):
    per_port = (n + PORTS - 1) // PORTS
    lines = ["ports:\n"]
    for p in range(PORTS):
        lines.append(f'  - {{ name: p{p}, iface: "@P@r{p}", driver: af_xdp }}\n')
    lines.append("workers:\n  lcores: [1]\npools:\n"
                 "  - { name: small, data_size: 2048, count: 40000 }\n"
                 'metrics: { listen: "127.0.0.1:9464", max_rules: 100000 }\nrules:\n')
    for i in range(n):
        p, j = divmod(i, per_port)
        lines.append(f"  - name: r{i:06d}\n"
                     f"    match: {{ port: p{p}, dst: 198.18.{p + 1}.1, dport: {10000 + j} }}\n"
                     f"    outputs: [ {{ port: p{(p + 1) % PORTS}, dst: 239.{10 + p}.{j >> 8}.{j & 255},"
                     f" dport: 6000 }} ]\n")
    return "".join(lines)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    with Lab(sinks=PORTS - 1) as lab:
        mcr = Mcr(lab, config(n))
        try:
            started = time.monotonic()
            mcr.start(wait=False)
            mcr.wait_forwarding(timeout=600)
            print(f"start-up with {n} rules: {time.monotonic() - started:.2f} s")

            for _ in range(3):
                started = time.monotonic()
                text = lab.exec("relay", "/usr/bin/python3", "-c", FETCH,
                                "http://127.0.0.1:9464/metrics").stdout
                scrape = time.monotonic() - started
                collect = float(re.search(r"^mcr_metrics_collect_seconds (\S+)$", text, re.M)[1])
                series = len(re.findall(r"^mcr_rule_packets_total", text, re.M))
                print(f"snapshot of {series} rules: {collect * 1000:.1f} ms "
                      f"(whole scrape with rendering {scrape:.2f} s, {len(text) >> 20} MiB)")

            # What a snapshot costs the control path: rule add/del over
            # mcr-ctl, alone and while full-table scrapes run back to back.
            def rule_changes(count=10):
                worst = 0.0
                for k in range(count):
                    for command in (f"rule add bench-{k} match port p0 dst 198.18.1.1 dport 9000 "
                                    f"output port p1 dst 239.99.0.1 dport 6000",
                                    f"rule del bench-{k}"):
                        started = time.monotonic()
                        r = mcr.ctl(*command.split())
                        worst = max(worst, time.monotonic() - started)
                        assert r.returncode == 0, r.stdout + r.stderr
                return worst
            print(f"rule add/del over mcr-ctl, idle: worst {rule_changes() * 1000:.0f} ms")
            scraper = lab.popen("relay", "/usr/bin/python3", "-c",
                                "import sys, urllib.request\nwhile True:\n"
                                "    urllib.request.urlopen(sys.argv[1], timeout=300).read()\n",
                                "http://127.0.0.1:9464/metrics")
            try:
                time.sleep(1)
                print(f"rule add/del over mcr-ctl, scrapes running: "
                      f"worst {rule_changes() * 1000:.0f} ms")
            finally:
                scraper.kill()
                scraper.wait()

            started = time.monotonic()
            lines = mcr.ctl("show", "rules").stdout.count("\n")
            print(f"show rules over mcr-ctl: {lines} lines in {time.monotonic() - started:.2f} s")

            tel = Telemetry(mcr.telemetry_path)
            started = time.monotonic()
            offset, pages, seen = 0, 0, 0
            while offset is not None:
                page = json.loads(tel.raw(f"/mcr/rules,{offset}"))["/mcr/rules"]
                seen += len(page["rules"])
                offset = page["next"]
                pages += 1
            print(f"/mcr/rules: {seen} rules in {pages} pages, {time.monotonic() - started:.2f} s")
            tel.close()
        finally:
            mcr.close()


if __name__ == "__main__":
    main()
