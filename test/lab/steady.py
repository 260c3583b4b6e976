"""A steady flow for lab tests: COUNT datagrams (traffic.make_payload) at
RATE per second, from SRC, so a test can tell a pause from a loss.

usage: steady.py COUNT RATE DST DPORT SIZE SRC [SPORT]
Prints the count sent."""

import socket
import sys
import time

from traffic import make_payload

count, rate = int(sys.argv[1]), float(sys.argv[2])
dst, dport, size, src = sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
sport = int(sys.argv[7]) if len(sys.argv) > 7 else 4000
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)
s.bind((src, sport))
start = time.monotonic()
for i in range(count):
    s.sendto(make_payload(i, size), (dst, dport))
    # Ahead of schedule: wait; behind: catch up without sleeping.
    ahead = start + (i + 1) / rate - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
print(count)
