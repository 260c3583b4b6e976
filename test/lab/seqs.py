"""Sequence numbers as a lab test sees them: which number each datagram
carries, in arrival order, read by a kernel socket behind mcr or off the
wire on the sending side (what each path really carried).

usage: seqs.py recv SECONDS IDLE FORMAT ADDR:PORT[@IFADDR]...
       seqs.py wire SECONDS IDLE FORMAT IFACE:DPORT...
FORMAT: mcrt (mcr-gen's header: magic, then its 64-bit sequence at 8),
rtp (16 bits at 2, big-endian, RTP version 2) or OFFSET:SIZE:big|little.
`recv` binds a UDP socket per ADDR:PORT (joining groups, on the interface
of IFADDR if given), `wire` a packet
socket per interface that sees what the host sends there (UDP to DPORT,
IPv4). Prints "ready" once listening, then, after SECONDS or IDLE seconds
without a datagram (once one came) or SIGTERM, one JSON line: per
endpoint {"count", "short" (no number in it), "seqs" (arrival order)}."""

import json
import select
import signal
import socket
import struct
import sys
import time

MCRT_MAGIC = 0x4D435254
ETH_P_IP = 0x0800
ETH_P_ALL = 3  # what a host sends reaches only ETH_P_ALL packet sockets
PACKET_OUTGOING = 4
SO_RCVBUFFORCE = 33  # <asm-generic/socket.h>; root may pass rmem_max


def parse_format(text):
    """A function payload -> sequence number or None."""
    if text == "mcrt":
        def mcrt(p):
            if len(p) < 24 or struct.unpack_from("!I", p)[0] != MCRT_MAGIC:
                return None
            return struct.unpack_from("!Q", p, 8)[0]
        return mcrt
    if text == "rtp":
        def rtp(p):
            if len(p) < 12 or p[0] >> 6 != 2:
                return None
            return struct.unpack_from("!H", p, 2)[0]
        return rtp
    offset, size, order = text.split(":")
    offset, size = int(offset), int(size)

    def field(p):
        if len(p) < offset + size:
            return None
        return int.from_bytes(p[offset:offset + size], order)
    return field


def udp_payload(frame, dport):
    """The UDP payload of an Ethernet/IPv4 frame to dport, or None."""
    if len(frame) < 42 or struct.unpack_from("!H", frame, 12)[0] != ETH_P_IP:
        return None
    ihl = (frame[14] & 0x0F) * 4
    if frame[23] != socket.IPPROTO_UDP:
        return None
    udp = 14 + ihl
    if struct.unpack_from("!H", frame, udp + 2)[0] != dport:
        return None
    length = struct.unpack_from("!H", frame, udp + 4)[0]
    return frame[udp + 8:udp + length]


def open_recv(spec):
    spec, _, ifaddr = spec.partition("@")
    addr, port = spec.split(":")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
    s.bind((addr, int(port)))
    if 224 <= int(addr.split(".")[0]) <= 239:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                     socket.inet_aton(addr) + socket.inet_aton(ifaddr or "0.0.0.0"))
    return s, lambda data, addr: data


def open_wire(spec):
    iface, dport = spec.split(":")
    dport = int(dport)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
    s.bind((iface, ETH_P_ALL))

    def payload(frame, addr):
        # Only what this host sends: a sender's own copy, not echoes.
        return udp_payload(frame, dport) if addr[2] == PACKET_OUTGOING else None
    return s, payload


def main():
    mode, seconds, idle, fmt = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    number = parse_format(fmt)
    opener = {"recv": open_recv, "wire": open_wire}[mode]
    socks = {}
    for spec in sys.argv[5:]:
        s, payload = opener(spec)
        socks[s] = (spec, payload, {"count": 0, "short": 0, "seqs": []})
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    print("ready", flush=True)
    deadline = time.time() + seconds
    last = None
    while not stop and time.time() < deadline and (last is None or time.time() - last < idle):
        try:
            ready = select.select(list(socks), [], [], 0.05)[0]
        except InterruptedError:
            continue
        for s in ready:
            _, payload, st = socks[s]
            while True:
                try:
                    data, addr = s.recvfrom(65536, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                p = payload(data, addr)
                if p is None:
                    continue
                last = time.time()
                st["count"] += 1
                n = number(p)
                if n is None:
                    st["short"] += 1
                else:
                    st["seqs"].append(n)
    print(json.dumps({spec: st for spec, _, st in socks.values()}), flush=True)


if __name__ == "__main__":
    main()
