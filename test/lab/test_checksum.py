"""UDP checksums as real senders leave them. A kernel sender on veth keeps
the kernel's default offloads and so hands over CHECKSUM_PARTIAL datagrams
(the field holds only the pseudo-header sum); mcr must send every output
with a whole checksum: the sink's kernel sockets receive every datagram and
its UdpInCsumErrors stays 0. The same with the sender's checksum offload
off (finished checksums, as from a NIC). A port with `udp_checksum: verify`
drops datagrams corrupted on the wire and relays the rest; with `keep` a
corrupted datagram is relayed still corrupt, so its receiver sees the
error."""

import json
import os
import unittest

from labkit import Lab, Mcr, skip_unless_root
from test_relay import CONFIG as RELAY_CONFIG, SINK_ENDPOINTS as ENDPOINTS


def config(driver, mode):
    """test_relay's 1:3 rule, with up0's udp_checksum set."""
    up0 = f'name: up0, iface: "@P@r0", driver: {driver}'
    text = RELAY_CONFIG.format(driver=driver)
    assert up0 in text
    return text.replace(up0, f"{up0}, udp_checksum: {mode}")


# Runs in the generator host: valid datagrams from a kernel UDP socket
# (default offloads: partial sums) interleaved with hand-built frames whose
# payload was changed after their checksum was computed.
SENDER = """
import json, socket, sys, time
sys.path.insert(0, sys.argv[1])
from frames import build, send
from traffic import make_payload
iface, relay_mac, count, corrupt_every = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)
s.bind(("198.18.1.2", 4000))
corrupted = 0
for i in range(count):
    s.sendto(make_payload(i, 200), ("239.1.1.1", 5000))
    if i % corrupt_every == 0:
        frame = bytearray(build(make_payload(10**6 + i, 200), sport=4001))
        frame[14 + 20 + 8 + 50] ^= 0x20
        send(iface, [bytes(frame)])
        corrupted += 1
    if i % 32 == 31:
        time.sleep(0.001)
print(json.dumps({"valid": count, "corrupted": corrupted}))
"""


def udp_in_csum_errors(lab, host):
    """The host kernel's UdpInCsumErrors (/proc/net/snmp)."""
    lines = [l.split() for l in lab.exec(host, "cat", "/proc/net/snmp").stdout.splitlines()
             if l.startswith("Udp:")]
    return int(dict(zip(lines[0][1:], lines[1][1:]))["InCsumErrors"])


def tx_checksumming(lab, host, iface):
    out = lab.exec(host, "ethtool", "-k", iface).stdout
    return [l for l in out.splitlines() if l.startswith("tx-checksumming:")][0].split()[1]


@skip_unless_root
class ChecksumTest(unittest.TestCase):
    COUNT = 1000

    def relay_from_local_sender(self, driver, offload):
        with Lab() as lab, Mcr(lab, config(driver, "keep")) as mcr:
            if offload == "off":
                lab.exec("gen", "ethtool", "-K", lab.iface("g0"), "tx", "off")
            # The lab leaves the sender as the kernel made it.
            self.assertEqual(tx_checksumming(lab, "gen", lab.iface("g0")), offload)
            errors_before = udp_in_csum_errors(lab, "sink1")
            for size in (64, 1400):
                with self.subTest(size=size):
                    sink = lab.start_sink("sink1", self.COUNT, ENDPOINTS)
                    sent = lab.send_udp(self.COUNT, size=size)
                    got = lab.sink_result(sink)
                    for endpoint in ENDPOINTS:
                        self.assertEqual(got[endpoint]["count"], sent, endpoint)
                        self.assertEqual(got[endpoint]["bad_payload"], 0, endpoint)
            self.assertEqual(udp_in_csum_errors(lab, "sink1"), errors_before)
            self.assertEqual(mcr.rule("feed-a")["packets"], 2 * self.COUNT)
            self.assertEqual(mcr.stop(), 0, mcr.stderr)

    def test_sender_with_default_offloads_on_af_xdp(self):
        self.relay_from_local_sender("af_xdp", "on")

    def test_sender_with_default_offloads_on_af_packet(self):
        self.relay_from_local_sender("af_packet", "on")

    def test_sender_with_checksum_offload_off_on_af_xdp(self):
        self.relay_from_local_sender("af_xdp", "off")

    def test_sender_with_checksum_offload_off_on_af_packet(self):
        self.relay_from_local_sender("af_packet", "off")

    def relay_with_corruption(self, driver, mode):
        with Lab() as lab, Mcr(lab, config(driver, mode)) as mcr:
            relay_mac = json.loads(lab.exec("relay", "ip", "-j", "link", "show",
                                            lab.iface("r0")).stdout)[0]["address"]
            errors_before = udp_in_csum_errors(lab, "sink1")
            sink = lab.start_sink("sink1", self.COUNT, ENDPOINTS)
            here = os.path.dirname(os.path.abspath(__file__))
            sent = json.loads(lab.exec("gen", "/usr/bin/python3", "-c", SENDER, here,
                                       lab.iface("g0"), relay_mac, str(self.COUNT), "10").stdout)
            got = lab.sink_result(sink)
            for endpoint in ENDPOINTS:
                with self.subTest(endpoint=endpoint):
                    self.assertEqual(got[endpoint]["count"], sent["valid"])
                    self.assertEqual(got[endpoint]["bad_payload"], 0)
            errors = udp_in_csum_errors(lab, "sink1") - errors_before
            drops = mcr.telemetry("/mcr/drops")
            rule = mcr.rule("feed-a")
            self.assertEqual(mcr.stop(), 0, mcr.stderr)
        return sent, errors, drops, rule

    def test_verify_drops_corrupted_datagrams_on_af_xdp(self):
        self.check_verify("af_xdp")

    def test_verify_drops_corrupted_datagrams_on_af_packet(self):
        self.check_verify("af_packet")

    def check_verify(self, driver):
        sent, errors, drops, rule = self.relay_with_corruption(driver, "verify")
        self.assertEqual(drops["bad_udp_checksum"], sent["corrupted"])
        self.assertEqual(rule["packets"], sent["valid"])
        self.assertEqual(errors, 0)

    def test_keep_relays_corruption_detectably_on_af_packet(self):
        sent, errors, drops, rule = self.relay_with_corruption("af_packet", "keep")
        self.assertEqual(drops["bad_udp_checksum"], 0)
        self.assertEqual(rule["packets"], sent["valid"] + sent["corrupted"])
        # Each corrupted datagram reached the sink on all three outputs and
        # its kernel refused every copy.
        self.assertEqual(errors, 3 * sent["corrupted"])


if __name__ == "__main__":
    unittest.main()
