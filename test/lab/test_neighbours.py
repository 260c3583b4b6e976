"""Unicast outputs addressed from the kernel's live neighbours and routes
(issue 13): no static neighbour entry anywhere in the lab (lab.sh
--neighbours none, checked), every cache flushed before mcr starts.

- A cold cache: mcr starts although the output's neighbour is unknown, has
  the kernel resolve it, and delivers >= 99 % of a steady flow started one
  second after it is up.
- The receiver's MAC changes mid-stream, announced as a failover does (a
  gratuitous ARP: arp_notify); delivery resumes within one second.
- A destination behind a gateway route: its copies leave with the
  gateway's MAC (seen on the wire at the gateway) and reach it through the
  gateway.

Both PMDs. The flow is paced (RATE datagrams/s); the receiver keeps each
datagram's sequence number and arrival time, so a gap is measured, not
guessed."""

import json
import subprocess
import time
import unittest

from labkit import Lab, Mcr, run, skip_unless_root

CONFIG = """
ports:
  - {{ name: up0, iface: "@P@r0", driver: {driver} }}
  - {{ name: down0, iface: "@P@r1", driver: {driver} }}
workers:
  lcores: [1]
pools:
  - {{ name: small, data_size: 2048, count: 8191 }}
rules:
  - name: feed
    match: {{ port: up0, dst: 239.1.1.1, dport: 5000 }}
    outputs:
      - {{ port: down0, dst: {dst}, dport: 7000 }}
"""

RATE = 1000  # datagrams per second

# Runs in the generator: COUNT datagrams (traffic.make_payload) to
# 239.1.1.1:5000 at RATE per second, on a schedule rather than with sleeps
# between sends, so the flow stays steady.
SENDER = """
import socket, sys, time
sys.path.insert(0, sys.argv[1])
from traffic import make_payload
count, rate = int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)
s.bind(("198.18.1.2", 4000))
start = time.monotonic()
for i in range(count):
    delay = start + i / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    s.sendto(make_payload(i, 64), ("239.1.1.1", 5000))
print(count)
"""

# Runs where the copies arrive: binds ADDR:PORT, prints "ready", then the
# sequence number and arrival time (CLOCK_MONOTONIC, shared by every
# namespace) of each datagram until IDLE seconds pass without one after the
# first, or SECONDS in all.
RECEIVER = """
import json, select, socket, sys, time
sys.path.insert(0, sys.argv[1])
from traffic import check_payload
addr, port, seconds, idle = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind((addr, port))
print("ready", flush=True)
seqs, times, bad = [], [], 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    if not select.select([s], [], [], 0.05)[0]:
        if times and time.monotonic() - times[-1] > idle:
            break
        continue
    data = s.recv(65536)
    seq = check_payload(data)
    if seq is None:
        bad += 1
        continue
    seqs.append(seq)
    times.append(time.monotonic())
print(json.dumps({"seqs": seqs, "times": times, "bad": bad}))
"""

# Runs at the gateway: the Ethernet destination of every UDP frame to DST
# seen on IFACE (a packet socket, before the gateway's IP layer).
CAPTURE = """
import json, select, socket, struct, sys, time
iface, dst, seconds = sys.argv[1], socket.inet_aton(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((iface, 0))
print("ready", flush=True)
macs = {}
end = time.monotonic() + seconds
while time.monotonic() < end:
    if not select.select([s], [], [], 0.05)[0]:
        continue
    frame, (_, _, pkttype, _, _) = s.recvfrom(65536)
    if pkttype == socket.PACKET_OUTGOING or len(frame) < 34:
        continue
    if frame[23] == 17 and frame[30:34] == dst:
        mac = frame[0:6].hex(":")
        macs[mac] = macs.get(mac, 0) + 1
print(json.dumps(macs))
"""

HERE = __file__.rsplit("/", 1)[0]


def mac_of(lab, host, iface):
    return json.loads(lab.exec(host, "ip", "-j", "link", "show", "dev", iface).stdout)[0]["address"]


def longest_outage(seqs, rate):
    """The longest run of sequence numbers missing between two received
    ones, in seconds of the sender's schedule."""
    ordered = sorted(set(seqs))
    gaps = [b - a - 1 for a, b in zip(ordered, ordered[1:])]
    return max(gaps, default=0) / rate


@skip_unless_root
class NeighbourTest(unittest.TestCase):
    def cold_lab(self, lab):
        """No static entry anywhere, and every cache empty."""
        hosts = ["gen", "relay"] + [f"sink{i}" for i in range(1, lab.sinks + 1)]
        for host in hosts:
            lab.exec(host, "ip", "neigh", "flush", "all")
            static = lab.exec(host, "ip", "neigh", "show", "nud", "permanent").stdout.strip()
            self.assertEqual(static, "", f"static neighbours in {host}")
            left = lab.exec(host, "ip", "-4", "neigh", "show").stdout.strip()
            self.assertEqual(left, "", f"{host}'s neighbour cache was not flushed")

    def start_receiver(self, lab, host, addr, seconds, idle=1.5):
        proc = lab.popen(host, "/usr/bin/python3", "-c", RECEIVER, HERE, addr, "7000",
                         str(seconds), str(idle), stdout=subprocess.PIPE, text=True)
        self.assertEqual(proc.stdout.readline().strip(), "ready")
        return proc

    @staticmethod
    def result(proc, timeout=60):
        out, _ = proc.communicate(timeout=timeout)
        return json.loads(out.strip().splitlines()[-1])

    def send(self, lab, count):
        return lab.popen("gen", "/usr/bin/python3", "-c", SENDER, HERE, str(count), str(RATE),
                         stdout=subprocess.PIPE, text=True)

    # (a) An unknown neighbour at start: mcr starts, resolves it, delivers.
    def cold_start(self, driver):
        count = 3 * RATE
        with Lab(neighbours="none") as lab:
            self.cold_lab(lab)
            with Mcr(lab, CONFIG.format(driver=driver, dst="198.18.2.2")) as mcr:
                receiver = self.start_receiver(lab, "sink1", "198.18.2.2", 30)
                time.sleep(1.0)
                sender = self.send(lab, count)
                sent = int(sender.communicate(timeout=60)[0])
                got = self.result(receiver)
                self.assertEqual(got["bad"], 0)
                delivered = len(set(got["seqs"]))
                self.assertGreaterEqual(delivered, 0.99 * sent,
                                        f"{delivered} of {sent} delivered")
                # The relay's kernel learnt the receiver by ARP, not by hand.
                entry = lab.exec("relay", "ip", "neigh", "show", "198.18.2.2", "dev",
                                 lab.iface("r1")).stdout
                self.assertIn(mac_of(lab, "sink1", lab.iface("s1")), entry)
                self.assertNotIn("PERMANENT", entry)
                self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def test_cold_neighbour_is_resolved_and_delivered_on_af_xdp(self):
        self.cold_start("af_xdp")

    def test_cold_neighbour_is_resolved_and_delivered_on_af_packet(self):
        self.cold_start("af_packet")

    # (b) The receiver's MAC changes mid-stream.
    def mac_change(self, driver):
        count = 5 * RATE
        new_mac = "02:00:00:13:0b:02"
        with Lab(neighbours="none") as lab:
            self.cold_lab(lab)
            s1 = lab.iface("s1")
            # A failover announces the address's new owner (gratuitous ARP);
            # arp_notify makes the kernel do so when the MAC changes.
            lab.exec("sink1", "sysctl", "-qw", f"net.ipv4.conf.{s1}.arp_notify=1")
            with Mcr(lab, CONFIG.format(driver=driver, dst="198.18.2.2")) as mcr:
                receiver = self.start_receiver(lab, "sink1", "198.18.2.2", 40)
                time.sleep(1.0)
                sender = self.send(lab, count)
                time.sleep(2.0)
                changed_at = time.monotonic()
                lab.exec("sink1", "ip", "link", "set", "dev", s1, "address", new_mac)
                sent = int(sender.communicate(timeout=60)[0])
                got = self.result(receiver)
                seqs, times = got["seqs"], got["times"]
                self.assertEqual(got["bad"], 0)
                after = [t for t in times if t > changed_at]
                self.assertTrue(after, "nothing arrived after the MAC changed")
                # The last datagrams of the flow arrive: delivery resumed.
                self.assertGreaterEqual(max(seqs), sent - 10)
                outage = longest_outage(seqs, RATE)
                arrivals = [b - a for a, b in zip(times, times[1:])]
                print(f"\n{driver}: {len(set(seqs))}/{sent} delivered, longest outage "
                      f"{outage * 1000:.0f} ms by sequence, {max(arrivals) * 1000:.0f} ms "
                      f"between arrivals")
                self.assertLess(outage, 1.0, f"{outage:.3f} s without delivery")
                self.assertLess(max(arrivals), 1.0)
                entry = lab.exec("relay", "ip", "neigh", "show", "198.18.2.2", "dev",
                                 lab.iface("r1")).stdout
                self.assertIn(new_mac, entry)
                self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def test_receiver_mac_change_resumes_within_a_second_on_af_xdp(self):
        self.mac_change("af_xdp")

    def test_receiver_mac_change_resumes_within_a_second_on_af_packet(self):
        self.mac_change("af_packet")

    # (c) A destination behind a gateway: sink1 routes to a host of the
    # test's own, "behind", on 198.19.2.0/24; the relay's kernel has a route
    # to it via sink1 (198.18.2.2). Nobody answers ARP for the destination
    # itself on the relay's link, so only the gateway's MAC can reach it.
    def via_gateway(self, driver):
        count = 2 * RATE
        dst = "198.19.2.2"
        with Lab(neighbours="none") as lab:
            behind = lab.ns("behind")
            gw_side, behind_side = lab.iface("b0"), lab.iface("b1")
            run("ip", "netns", "add", behind)
            try:
                run("ip", "link", "add", gw_side, "netns", lab.ns("sink1"), "type", "veth",
                    "peer", "name", behind_side, "netns", behind)
                lab.exec("sink1", "ip", "addr", "add", "198.19.2.1/24", "dev", gw_side)
                lab.exec("sink1", "ip", "link", "set", gw_side, "up")
                lab.exec("sink1", "sysctl", "-qw", "net.ipv4.ip_forward=1")
                run("ip", "-n", behind, "link", "set", "lo", "up")
                run("ip", "-n", behind, "addr", "add", f"{dst}/24", "dev", behind_side)
                run("ip", "-n", behind, "link", "set", behind_side, "up")
                run("ip", "-n", behind, "route", "add", "default", "via", "198.19.2.1")
                lab.exec("relay", "ip", "route", "add", "198.19.2.0/24", "via", "198.18.2.2")
                self.cold_lab(lab)
                self.gateway_delivers(lab, driver, dst, behind, count)
            finally:
                run("ip", "netns", "del", behind, check=False)

    def gateway_delivers(self, lab, driver, dst, behind, count):
        with Mcr(lab, CONFIG.format(driver=driver, dst=dst)) as mcr:
            receiver = subprocess.Popen(
                ["ip", "netns", "exec", behind, "/usr/bin/python3", "-c", RECEIVER, HERE, dst,
                 "7000", "30", "1.5"], stdout=subprocess.PIPE, text=True)
            self.assertEqual(receiver.stdout.readline().strip(), "ready")
            capture = lab.popen("sink1", "/usr/bin/python3", "-c", CAPTURE, lab.iface("s1"),
                                dst, str(count / RATE + 3), stdout=subprocess.PIPE, text=True)
            self.assertEqual(capture.stdout.readline().strip(), "ready")
            time.sleep(1.0)
            sent = int(self.send(lab, count).communicate(timeout=60)[0])
            got = self.result(receiver)
            macs = json.loads(capture.communicate(timeout=30)[0].strip().splitlines()[-1])
            gateway_mac = mac_of(lab, "sink1", lab.iface("s1"))
            self.assertEqual(set(macs), {gateway_mac},
                             f"destination MACs at the gateway: {macs}")
            self.assertGreaterEqual(macs[gateway_mac], 0.99 * sent)
            self.assertGreaterEqual(len(set(got["seqs"])), 0.99 * sent)
            self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def test_destination_behind_a_gateway_gets_the_gateways_mac_on_af_xdp(self):
        self.via_gateway("af_xdp")

    def test_destination_behind_a_gateway_gets_the_gateways_mac_on_af_packet(self):
        self.via_gateway("af_packet")


if __name__ == "__main__":
    unittest.main()
