"""A kernel-socket sink for lab tests, run inside a sink namespace.

usage: sink.py SECONDS EXPECTED ADDR:PORT[?] ...
Binds one UDP socket per ADDR:PORT (joining the group for multicast; an
IPv6 address in brackets, [ff3e::2:1]:6000, and its group joined with
MLD on the interface of the route to it),
receives until every socket not marked '?' has EXPECTED datagrams or
SECONDS pass, and
prints JSON: per socket the count, how many payloads were not what the
generator sends, and how many arrived out of order within their flow
(flows are told apart by source port)."""

import json
import select
import socket
import sys
import time

from traffic import check_payload

seconds, expected = float(sys.argv[1]), int(sys.argv[2])
socks = {}
for spec in sys.argv[3:]:
    optional = spec.endswith("?")
    spec = spec.rstrip("?")
    addr, port = spec.rsplit(":", 1)
    v6 = addr.startswith("[")
    addr = addr.strip("[]")
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((addr, int(port)))
    if v6 and addr.lower().startswith("ff"):
        # ipv6_mreq: the group and interface 0, the route's.
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                     socket.inet_pton(socket.AF_INET6, addr) + bytes(4))
    elif not v6 and 224 <= int(addr.split(".")[0]) <= 239:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                     socket.inet_aton(addr) + socket.inet_aton("0.0.0.0"))
    socks[s] = {"name": spec, "count": 0, "bad_payload": 0, "out_of_order": 0, "last": {},
                "awaited": not optional}

print("ready", flush=True)
deadline = time.time() + seconds
while time.time() < deadline and any(v["count"] < expected for v in socks.values()
                                     if v["awaited"]):
    for s in select.select(list(socks), [], [], 0.1)[0]:
        data, source = s.recvfrom(65536)
        sport = source[1]
        st = socks[s]
        st["count"] += 1
        seq = check_payload(data)
        if seq is None:
            st["bad_payload"] += 1
            continue
        # Order is per flow: the sender's port names the flow.
        if seq <= st["last"].get(sport, -1):
            st["out_of_order"] += 1
        st["last"][sport] = seq
time.sleep(0.2)  # anything extra (duplicates) arrives now
for s in select.select(list(socks), [], [], 0)[0]:
    socks[s]["count"] += 1
print(json.dumps({v["name"]: {k: v[k] for k in ("count", "bad_payload", "out_of_order")}
                  for v in socks.values()}))
