"""Payloads the lab generator sends and the sink checks: a 4-byte sequence
number followed by bytes derived from it, so any corruption shows."""

import socket
import struct
import sys
import time


def make_payload(seq, size):
    body = bytes((seq + i) & 0xFF for i in range(max(size - 4, 0)))
    return struct.pack("!I", seq) + body


def check_payload(data):
    """The sequence number, or None if the payload is not make_payload's."""
    if len(data) < 4:
        return None
    seq = struct.unpack("!I", data[:4])[0]
    return seq if data == make_payload(seq, len(data)) else None


def udp_socket(src, sport):
    """A UDP socket bound to src:sport, of src's family, sending groups with
    8 hops to go, out of src's interface."""
    if ":" in src:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 8)
        s.bind((src, sport))
        return s
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)
    s.bind((src, sport))
    return s


def send(count, dst, dport, size, src="198.18.1.2", sport=4000, pace_every=64):
    s = udp_socket(src, sport)
    for i in range(count):
        s.sendto(make_payload(i, size), (dst, dport))
        if pace_every and i % pace_every == pace_every - 1:
            time.sleep(0.001)
    return count




def send_flows(count, dst, dport, size, sports, src="198.18.1.2"):
    """count datagrams on each of several flows (one source port each),
    interleaved so that a relay that reorders within a flow shows it."""
    socks = []
    for sport in sports:
        socks.append(udp_socket(src, sport))
    for i in range(count):
        for s in socks:
            s.sendto(make_payload(i, size), (dst, dport))
        if i % 16 == 15:
            time.sleep(0.001)
    return count * len(socks)


if __name__ == "__main__":
    # traffic.py COUNT DST DPORT SIZE [SPORT[,SPORT...] [SRC]]  (IPv6 DST: an IPv6 SRC)
    n, dst, dport, size = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    sports = [int(p) for p in sys.argv[5].split(",")] if len(sys.argv) > 5 else [4000]
    src = sys.argv[6] if len(sys.argv) > 6 else "198.18.1.2"
    if len(sports) == 1:
        print(send(n, dst, dport, size, src=src, sport=sports[0]))
    else:
        print(send_flows(n, dst, dport, size, sports, src=src))
