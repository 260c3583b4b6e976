"""Sends and receives lab datagrams with what sink.py does not look at: the
IP source address and the TOS byte.

usage: header_probe.py send COUNT DST DPORT TOS [SRC]
       header_probe.py receive SECONDS EXPECTED ADDR:PORT ...

send: COUNT datagrams (traffic.make_payload, 64 bytes) from SRC:4000 with
IP_TOS set to TOS, paced like traffic.py; prints the count.
receive: one socket per ADDR:PORT (joining the group for multicast) with
IP_RECVTOS; receives until each has EXPECTED datagrams or SECONDS pass;
prints "ready" once bound, then JSON: per socket the count, the payloads
that were not traffic.py's, and every source address and TOS value seen
(with how many datagrams carried each)."""

import json
import select
import socket
import sys
import time
from collections import Counter

from traffic import check_payload, make_payload


def send(count, dst, dport, tos, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)
    # UDP sockets keep the ECN bits of IP_TOS (TCP would clear them).
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, tos)
    s.bind((src, 4000))
    for i in range(count):
        s.sendto(make_payload(i, 64), (dst, dport))
        if i % 64 == 63:
            time.sleep(0.001)
    return count


def receive(seconds, expected, endpoints):
    socks = {}
    for spec in endpoints:
        addr, port = spec.split(":")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
        s.bind((addr, int(port)))
        if 224 <= int(addr.split(".")[0]) <= 239:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                         socket.inet_aton(addr) + socket.inet_aton("0.0.0.0"))
        socks[s] = {"name": spec, "count": 0, "bad_payload": 0,
                    "sources": Counter(), "tos": Counter()}
    print("ready", flush=True)

    def take(s):
        data, ancillary, _, (src, _) = s.recvmsg(65536, socket.CMSG_SPACE(1))
        st = socks[s]
        st["count"] += 1
        st["sources"][src] += 1
        for level, kind, value in ancillary:
            if level == socket.IPPROTO_IP and kind == socket.IP_TOS:
                st["tos"][str(value[0])] += 1
        if check_payload(data) is None:
            st["bad_payload"] += 1

    deadline = time.time() + seconds
    while time.time() < deadline and any(v["count"] < expected for v in socks.values()):
        for s in select.select(list(socks), [], [], 0.1)[0]:
            take(s)
    time.sleep(0.2)  # anything extra (duplicates) arrives now
    for s in select.select(list(socks), [], [], 0)[0]:
        take(s)
    print(json.dumps({v["name"]: {"count": v["count"], "bad_payload": v["bad_payload"],
                                  "sources": dict(v["sources"]), "tos": dict(v["tos"])}
                      for v in socks.values()}))


if __name__ == "__main__":
    if sys.argv[1] == "send":
        src = sys.argv[6] if len(sys.argv) > 6 else "198.18.1.2"
        print(send(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5], 0), src))
    else:
        receive(float(sys.argv[2]), int(sys.argv[3]), sys.argv[4:])
