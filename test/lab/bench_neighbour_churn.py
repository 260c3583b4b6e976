"""Benchmark, not a test (run by hand, as root): rule churn with neighbour
updates. mcr in the lab without static neighbours, RULES unicast rules all
sending to the sink's address (one next hop), and a multicast rule whose
flow is the bystander. While mcr-gen sends both flows and a thread adds and
deletes a rule over mcr-ctl without pause, the sink's MAC changes FLIPS
times (announced by gratuitous ARP, as a failover does). Prints, per MAC
change, the time until `show neighbours` shows the new MAC (the console
answers once every rule using it is republished), the unicast flow's
longest gap, and the bystander's loss, which must be none.

    python3 test/lab/bench_neighbour_churn.py [RULES [FLIPS]]
"""

import json
import os
import subprocess
import sys
import threading
import time

from labkit import BUILD_DIR, Lab, Mcr

GEN = os.path.join(BUILD_DIR, "tools", "gen", "mcr-gen")
SINK = os.path.join(BUILD_DIR, "tools", "sink", "mcr-sink")
RATE = 2000  # datagrams per second, per flow
CHURN_RULE = ("rule add churn match port up0 dst 239.1.1.9 dport 5000 "
              "output port down0 dst 239.9.9.9 dport 6000")


def config(n):
    lines = ["ports:\n",
             '  - { name: up0, iface: "@P@r0", driver: af_xdp }\n',
             '  - { name: down0, iface: "@P@r1", driver: af_xdp }\n',
             "workers:\n  lcores: [1]\npools:\n",
             "  - { name: small, data_size: 2048, count: 16383 }\nrules:\n",
             "  - name: bystander\n",
             "    match: { port: up0, dst: 239.1.1.1, dport: 5000 }\n",
             "    outputs: [ { port: down0, dst: 239.2.2.2, dport: 6000 } ]\n"]
    for i in range(n):
        lines.append(f"  - name: u{i:05d}\n"
                     f"    match: {{ port: up0, dst: 198.18.1.1, dport: {10000 + i} }}\n"
                     f"    outputs: [ {{ port: down0, dst: 198.18.2.2, dport: 7000 }} ]\n")
    return "".join(lines)


def main():
    rules = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    flips = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with Lab(neighbours="none") as lab, Mcr(lab, config(rules)) as mcr:
        s1 = lab.iface("s1")
        lab.exec("sink1", "sysctl", "-qw", f"net.ipv4.conf.{s1}.arp_notify=1")
        deadline = time.monotonic() + 10
        while "unresolved" in mcr.ctl("show neighbours").stdout and time.monotonic() < deadline:
            time.sleep(0.1)
        seconds = 3 + 2 * flips
        sink = lab.popen("sink1", SINK, "239.2.2.2:6000", "198.18.2.2:7000", "--iface-addr",
                         "198.18.2.2", "--idle", "3", "--json", "-", "--quiet",
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert "ready" in sink.stderr.readline()
        gen = lab.popen("gen", GEN, "--flow", "239.1.1.1:5000", "--flow", "198.18.1.1:10000",
                        "--rate", str(2 * RATE), "--duration", str(seconds), "--size", "128",
                        "--quiet", "--json", "-", stdout=subprocess.PIPE, text=True)
        stop = threading.Event()
        churned = [0]

        def churn():
            while not stop.is_set():
                if mcr.ctl(input=f"{CHURN_RULE}\nrule del churn\n" * 20).returncode == 0:
                    churned[0] += 20

        churner = threading.Thread(target=churn)
        churner.start()
        times = []
        time.sleep(1.5)
        for k in range(flips):
            mac = f"02:00:00:13:{k // 256:02x}:{k % 256:02x}"
            changed = time.monotonic()
            lab.exec("sink1", "ip", "link", "set", "dev", s1, "address", mac)
            while mac not in mcr.ctl("show neighbours").stdout:
                if time.monotonic() - changed > 10:
                    raise SystemExit(f"mcr never showed {mac}")
                time.sleep(0.005)
            times.append(time.monotonic() - changed)
            time.sleep(2.0 - times[-1] if times[-1] < 2.0 else 0)
        gen_report = json.loads(gen.communicate(timeout=seconds + 60)[0])
        stop.set()
        churner.join()
        report = json.loads(sink.communicate(timeout=60)[0])
        flows = {f["endpoint"]: f for f in report["flows"]}
        sent = gen_report["flows"][0]["sent"]
        print(f"{rules} unicast rules behind one neighbour, {flips} MAC changes, "
              f"{churned[0]} rule add/del pairs meanwhile")
        print("MAC change to show neighbours showing it (ms): " +
              ", ".join(f"{t * 1000:.0f}" for t in times))
        bystander, unicast = flows["239.2.2.2:6000"], flows.get("198.18.2.2:7000", {})
        print(f"bystander: sent {sent}, received {bystander['received']}, lost "
              f"{bystander['lost']}, duplicated {bystander['duplicated']}, reordered "
              f"{bystander['reordered']}")
        print(f"unicast flow: sent {gen_report['flows'][1]['sent']}, received "
              f"{unicast.get('received', 0)}, lost {unicast.get('lost', 'all')}")
        drops = {k: v for k, v in mcr.telemetry("/mcr/drops").items() if v}
        print(f"drops: {drops}")
        assert mcr.stop() == 0


if __name__ == "__main__":
    main()
