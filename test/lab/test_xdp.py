"""mcr's XDP program on the lab's ingress port: relay traffic goes to mcr,
the host's own traffic (ARP, ICMP, IGMP, other UDP) stays with its kernel,
the strict filter drops flood traffic early, and no program is left behind
after SIGTERM or SIGKILL."""

import signal
import subprocess
import time
import unittest

from labkit import TRAFFIC_PY, Lab, Mcr, skip_unless_root
from test_relay import CONFIG, SINK_ENDPOINTS

STRICT = CONFIG.replace('{{ name: up0, iface: "@P@r0", driver: {driver} }}',
                        '{{ name: up0, iface: "@P@r0", driver: {driver}, xdp: {{ filter: strict }} }}')

# Joins a group on the relay host's kernel and holds it, so the kernel has
# something to report when queried.
JOIN = """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             socket.inet_aton(sys.argv[1]) + socket.inet_aton("198.18.1.1"))
print("joined", flush=True)
time.sleep(float(sys.argv[2]))
"""

# An IGMPv2 general query (max response 1 s) from the generator host.
QUERY = """
import socket, struct
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF); s += s >> 16
    return ~s & 0xFFFF
msg = struct.pack("!BBH4s", 0x11, 10, 0, bytes(4))
msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("198.18.1.2"))
s.sendto(msg, ("224.0.0.1", 0))
"""

# Counts UDP datagrams reaching a kernel socket on the relay host.
LISTEN = """
import select, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.1.1", int(sys.argv[1])))
print("ready", flush=True)
n, end = 0, time.time() + float(sys.argv[2])
while time.time() < end:
    if select.select([s], [], [], 0.1)[0]:
        s.recv(2048); n += 1
print(n)
"""


@skip_unless_root
class XdpTest(unittest.TestCase):
    def test_host_answers_arp_and_ping_on_the_ingress_while_relaying(self):
        with Lab() as lab, Mcr(lab, CONFIG.format(driver="af_xdp")) as mcr:
            self.assertEqual(mcr.telemetry("/mcr/xdp")["up0"]["loaded"], 1)
            # Forget the neighbours: ARP must work through XDP.
            lab.exec("gen", "ip", "neigh", "flush", "to", "198.18.1.1", "dev", lab.iface("g0"))
            lab.exec("relay", "ip", "neigh", "flush", "to", "198.18.1.2", "dev",
                     lab.iface("r0"))
            sink = lab.start_sink("sink1", 500, SINK_ENDPOINTS)
            sender = lab.popen("gen", "/usr/bin/python3", TRAFFIC_PY, "500", "239.1.1.1",
                               "5000", "64", stdout=subprocess.DEVNULL)
            ping = lab.exec("gen", "ping", "-c", "3", "-i", "0.2", "-W", "1", "198.18.1.1",
                            check=False)
            sender.wait(30)
            got = lab.sink_result(sink)
            self.assertEqual(ping.returncode, 0, ping.stdout)
            self.assertIn("3 received", ping.stdout)
            self.assertEqual(got["239.2.2.2:6000"]["count"], 500)
            xdp = mcr.telemetry("/mcr/xdp")["up0"]
            self.assertGreaterEqual(xdp["pass_non_ip"], 1)  # ARP
            self.assertGreaterEqual(xdp["pass_other"], 3)   # ICMP echo requests
            self.assertEqual(xdp["redirect"], 500)

    def test_host_answers_igmp_queries(self):
        with Lab() as lab, Mcr(lab, CONFIG.format(driver="af_xdp")) as mcr:
            member = lab.popen("relay", "/usr/bin/python3", "-c", JOIN, "239.5.5.5", "8",
                               stdout=subprocess.PIPE, text=True)
            self.assertEqual(member.stdout.readline().strip(), "joined")
            time.sleep(2.5)  # unsolicited reports are over
            capture = lab.popen("gen", "timeout", "3", "tcpdump", "-l", "-n", "-i",
                                lab.iface("g0"), "igmp", stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
            time.sleep(0.5)
            lab.exec("gen", "/usr/bin/python3", "-c", QUERY)
            out, _ = capture.communicate(timeout=10)
            member.kill()
            member.wait()
            reports = [l for l in out.splitlines() if "report" in l and "239.5.5.5" in l]
            self.assertTrue(reports, out)
            self.assertGreaterEqual(mcr.telemetry("/mcr/xdp")["up0"]["pass_other"], 1)

    def test_other_udp_reaches_a_kernel_socket_on_the_relay_host(self):
        with Lab() as lab, Mcr(lab, CONFIG.format(driver="af_xdp")) as mcr:
            listener = lab.popen("relay", "/usr/bin/python3", "-c", LISTEN, "9999", "3",
                                 stdout=subprocess.PIPE, text=True)
            self.assertEqual(listener.stdout.readline().strip(), "ready")
            lab.send_udp(100, dst="198.18.1.1", dport=9999)
            out, _ = listener.communicate(timeout=10)
            self.assertEqual(int(out.strip()), 100)
            self.assertEqual(mcr.telemetry("/mcr/drops")["no_rule"], 0)

    def test_strict_filter_drops_unwanted_groups_in_xdp(self):
        for driver in ("af_xdp", "af_packet"):
            with self.subTest(driver=driver), Lab() as lab, \
                    Mcr(lab, STRICT.format(driver=driver)) as mcr:
                sink = lab.start_sink("sink1", 300, SINK_ENDPOINTS)
                lab.send_udp(200, dst="239.9.9.9", dport=5000)
                lab.send_udp(300)
                got = lab.sink_result(sink)
                self.assertEqual(got["239.2.2.2:6000"]["count"], 300)
                xdp = mcr.telemetry("/mcr/xdp")["up0"]
                self.assertEqual(xdp["drop_strict"], 200)
                self.assertEqual(mcr.telemetry("/mcr/drops")["no_rule"], 0)

    def test_no_program_left_after_sigterm_or_sigkill(self):
        with Lab() as lab:
            r0 = lab.iface("r0")
            mcr = Mcr(lab, CONFIG.format(driver="af_xdp")).start()
            self.addCleanup(mcr.close)
            self.assertNotEqual(lab.xdp_prog_id("relay", r0), 0)
            self.assertEqual(mcr.stop(signal.SIGKILL), -signal.SIGKILL)
            # The PMD attached the program without a link: it outlives mcr.
            stale = lab.xdp_prog_id("relay", r0)
            self.assertNotEqual(stale, 0)

            # The next start removes what the killed one left and relays.
            again = Mcr(lab, CONFIG.format(driver="af_xdp")).start()
            self.addCleanup(again.close)
            self.assertIn(f"removed XDP program id {stale}", again.read_output()[1])
            sink = lab.start_sink("sink1", 100, SINK_ENDPOINTS)
            lab.send_udp(100)
            self.assertEqual(lab.sink_result(sink)["239.2.2.2:6000"]["count"], 100)
            self.assertEqual(again.stop(), 0)
            self.assertEqual(lab.xdp_prog_id("relay", r0), 0)
            self.assertEqual(lab.xdp_prog_id("relay", lab.iface("r1")), 0)


if __name__ == "__main__":
    unittest.main()
