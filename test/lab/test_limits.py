"""Resource limits degrade to counted drops, never to a stall or a crash:
a copy pool far too small for the fan-out, and a flood far above what the
worker can take. Afterwards mcr relays normally again and every buffer is
back."""

import json
import subprocess
import time
import unittest

from labkit import BUILD_DIR, Lab, Mcr, skip_unless_root

GEN = f"{BUILD_DIR}/tools/gen/mcr-gen"

TINY_COPY_POOL = """
ports:
  - { name: up0, iface: "@P@r0", driver: af_packet }
  - { name: down0, iface: "@P@r1", driver: af_packet }
  - { name: down1, iface: "@P@r2", driver: af_packet }
workers: { lcores: [1], burst: 64 }
pools:
  - { name: rx, data_size: 2048, count: 4095 }
  - { name: tiny, data_size: 256, count: 64 }
rules:
  - name: wide
    match: { port: up0, dst: 239.1.1.1, dport: 5000 }
    outputs:
""" + "".join(f"      - {{ port: down{i % 2}, dst: 239.2.2.{i}, dport: 6000 }}\n" for i in range(1, 9))

# Two TX buffers of up to 64 copies each can hold twice the tiny pool.

# af_xdp on every port, and copies taken from the RX class (no smaller
# one): an overload dips deep into the pool that is also the ports' UMEM.
AF_XDP_FAN_OUT = """
ports:
  - { name: up0, iface: "@P@r0", driver: af_xdp }
  - { name: down0, iface: "@P@r1", driver: af_xdp }
  - { name: down1, iface: "@P@r2", driver: af_xdp }
workers: { lcores: [1] }
pools:
  - { name: rx, data_size: 2048, count: 16383 }
rules:
  - name: wide
    match: { port: up0, dst: 239.1.1.1, dport: 5000 }
    outputs:
""" + "".join(f"      - {{ port: down{i % 2}, dst: 239.2.2.{i}, dport: 6000 }}\n" for i in range(1, 9))


@skip_unless_root
class LimitsTest(unittest.TestCase):
    def blast(self, lab, count, rate="max", size=128):
        # Paced runs send one datagram at a time, so nothing arrives in bursts.
        burst = "32" if rate == "max" else "1"
        out = lab.exec("gen", GEN, "--flow", "239.1.1.1:5000", "--rate", str(rate), "--count",
                       str(count), "--size", str(size), "--burst", burst, "--quiet",
                       "--json", "-").stdout
        return json.loads(out)["sent"]

    def test_an_exhausted_copy_pool_drops_copies_and_recovers(self):
        with Lab(sinks=2) as lab, Mcr(lab, TINY_COPY_POOL) as mcr:
            idle = {n: p["in_use"] for n, p in mcr.telemetry("/mcr/pools").items()}
            sent = self.blast(lab, 20000)
            time.sleep(1)
            rule = mcr.rule("wide")
            drops = mcr.telemetry("/mcr/drops")
            self.assertGreater(drops["no_buffer"], 0, "the tiny pool never ran dry")
            self.assertEqual(rule["packets"] + drops["ttl_expired"], mcr.port("up0")["rx_packets"])
            # Every output of every received packet was sent or counted.
            for i in range(8):
                self.assertEqual(rule["outputs"][str(i)]["packets"] + sum(rule["outputs"][str(i)]["drops"].values()),
                                 rule["packets"], f"output {i}")
            self.assertEqual(sum(sum(rule["outputs"][str(i)]["drops"].values()) for i in range(8)),
                             drops["no_buffer"] + drops["tx_full"])
            self.assertLessEqual(rule["packets"], sent)
            # Each output's drops by reason land on its egress port, none
            # on the ingress port.
            ports = {p: mcr.telemetry(f"/mcr/drops,{p}") for p in ("up0", "down0", "down1")}
            for reason in ("no_buffer", "tx_full"):
                self.assertEqual(ports["up0"][reason], 0, reason)
                for port in ("down0", "down1"):
                    mine = [str(i) for i in range(8) if rule["outputs"][str(i)]["port"] == port]
                    self.assertEqual(sum(rule["outputs"][o]["drops"][reason] for o in mine),
                                     ports[port][reason], f"{reason} on {port}")
                self.assertEqual(ports["down0"][reason] + ports["down1"][reason], drops[reason])
            for i in range(8):
                out = rule["outputs"][str(i)]["drops"]
                self.assertEqual(out["too_big"] + out["no_neighbour"] + out["ttl_expired"], 0)
            pools = mcr.telemetry("/mcr/pools")
            for name, in_use in idle.items():
                self.assertEqual(pools[name]["in_use"], in_use, f"pool {name} leaked")

            # Paced, the same pool is enough again.
            # The kernel hands af_packet what arrived during a NAPI poll at
            # once: at 2 kpps about ten datagrams, 70 copies, a full pool
            # again. At 100 pps they come one or two at a time.
            before = mcr.rule("wide")
            self.blast(lab, 100, rate=100)
            time.sleep(0.5)
            after = mcr.rule("wide")
            self.assertEqual(after["packets"] - before["packets"], 100)
            for i in range(8):
                sent_i = after["outputs"][str(i)]["packets"] - before["outputs"][str(i)]["packets"]
                dropped_i = sum(after["outputs"][str(i)]["drops"].values()) - sum(before["outputs"][str(i)]["drops"].values())
                self.assertEqual(sent_i + dropped_i, 100)
                self.assertGreaterEqual(sent_i, 98, f"output {i} did not recover")
            self.assertEqual(mcr.stop(), 0)

    def test_a_flood_beyond_the_worker_is_counted_and_survived(self):
        config = TINY_COPY_POOL.replace("count: 64", "count: 8191")
        with Lab(sinks=2) as lab, Mcr(lab, config) as mcr:
            # Several generators at full speed: far more than one worker
            # fanning out 1:8 can send.
            gens = [lab.popen("gen", GEN, "--flow", "239.1.1.1:5000", "--rate", "max",
                              "--duration", "3", "--size", "128", "--quiet",
                              stdout=subprocess.DEVNULL) for _ in range(3)]
            for g in gens:
                self.assertEqual(g.wait(30), 0)
            time.sleep(1)
            port = mcr.port("up0")
            self.assertGreater(port["rx_packets"], 0)
            self.assertEqual(mcr.ctl("show", "port", "stats", "up0").returncode, 0)
            # Recovered: a paced burst goes through whole.
            before = mcr.rule("wide")["outputs"]["7"]["packets"]
            self.blast(lab, 300, rate=2000)
            time.sleep(0.5)
            self.assertEqual(mcr.rule("wide")["outputs"]["7"]["packets"] - before, 300)
            self.assertEqual(mcr.stop(), 0)

    def test_af_xdp_ports_keep_receiving_after_an_overload(self):
        # Regression: with --no-huge, DPDK's default pool layout spread the
        # objects beyond the window the af_xdp PMD registers as UMEM; after
        # an overload the kernel had discarded the fill-ring buffers from
        # there, in-use never came back, and up0 stopped receiving.
        with Lab(sinks=2) as lab, Mcr(lab, AF_XDP_FAN_OUT) as mcr:
            idle = mcr.telemetry("/mcr/pools")["rx"]["in_use"]
            for _ in range(3):
                self.blast(lab, 60000, size=512)
            time.sleep(1)
            self.assertEqual(mcr.telemetry("/mcr/pools")["rx"]["in_use"], idle,
                             "buffers lost to the kernel after the overload")
            before = mcr.port("up0")["rx_packets"]
            self.blast(lab, 300, rate=2000, size=512)
            time.sleep(0.5)
            self.assertEqual(mcr.port("up0")["rx_packets"] - before, 300)
            self.assertEqual(mcr.stop(), 0)


if __name__ == "__main__":
    unittest.main()
