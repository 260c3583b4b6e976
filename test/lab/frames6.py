"""Hand-built IPv6 frames for the malformed-traffic part of the IPv6 lab
test (frames.py is the IPv4 version): a valid relay frame and ways to break
it, each with the verdict mcr's XDP program (bpf/mcr_xdp.bpf.c,
ipv6_verdict) and mcr's parser (lib/packet/parse_ipv6.h) must give.
Checksums are right unless a kind breaks them on purpose."""

import socket
import struct

from frames import csum

GROUP = "ff3e::1:1"         # a rule relays GROUP:DPORT
OTHER_GROUP = "ff3e::9:9"   # no rule has it
DPORT = 5000
SRC = "2001:2:0:1::2"       # the generator (lab.sh --ipv6)

HOPOPTS, ROUTING, FRAGMENT, DSTOPTS = 0, 43, 44, 60


def group_mac(group):
    """33:33 and the group's last four bytes (RFC 2464 section 7)."""
    return b"\x33\x33" + socket.inet_pton(socket.AF_INET6, group)[12:]


def ext_header(kind, next_header, segments_left=0):
    """An 8-byte hop-by-hop, destination options (one PadN option) or
    routing header (type 0 layout, segments_left as given)."""
    if kind == ROUTING:
        return bytes([next_header, 0, 0, segments_left]) + bytes(4)
    return bytes([next_header, 0, 1, 4]) + bytes(4)


def build6(payload=b"", dst=GROUP, dport=DPORT, sport=4100, hops=8, version=6, exts=(),
           next_header=None, payload_len=None, udp_len=None, udp_csum=True, fragment=None,
           dst_mac=None, src_mac=b"\x02\x00\x00\x00\x00\xaa", cut=None, trailer=b""):
    """Ethernet IPv6 [extension headers] [fragment header] UDP; every field
    can be overridden. exts: extension header kinds in order, a routing
    header as (ROUTING, segments_left). fragment: (offset in 8-byte units,
    more fragments) adds a fragment header after exts. next_header: the
    last header's next header (17 unless given). cut: keep only the
    frame's first `cut` bytes (the length fields keep their values)."""
    udp_length = 8 + len(payload) if udp_len is None else udp_len
    udp = struct.pack("!HHHH", sport, dport, udp_length, 0) + payload
    src6, dst6 = socket.inet_pton(socket.AF_INET6, SRC), socket.inet_pton(socket.AF_INET6, dst)
    if udp_csum:
        pseudo = src6 + dst6 + struct.pack("!IxxxB", len(udp), 17)
        c = csum(pseudo + udp) or 0xFFFF
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    last = 17 if next_header is None else next_header
    chain = []
    for e in exts:
        kind, segments = (e, 0) if isinstance(e, int) else e
        chain.append((kind, segments))
    headers = b""
    kinds = [k for k, _ in chain] + ([FRAGMENT] if fragment is not None else [])
    nexts = kinds[1:] + [last]
    for (kind, segments), nxt in zip(chain, nexts):
        headers += ext_header(kind, nxt, segments)
    if fragment is not None:
        offset, more = fragment
        headers += struct.pack("!BBHI", last, 0, offset << 3 | (1 if more else 0), 0x6d637236)
    first = kinds[0] if kinds else last
    body = headers + udp
    length = len(body) if payload_len is None else payload_len
    ip = struct.pack("!IHBB16s16s", version << 28, length, first, hops, src6, dst6)
    eth = (dst_mac if dst_mac is not None else group_mac(dst)) + src_mac + b"\x86\xdd"
    frame = eth + ip + body + trailer
    return frame if cut is None else frame[:cut]


def kinds6(payload):
    """(name, frame, XDP counter on an af_packet port, what mcr does with
    it: 'relay', 'fragment' or a drop reason). Frames aimed at the relayed
    GROUP:DPORT that are malformed are dropped by the XDP program
    (ipv6_drop_malformed) and never reach mcr; the same faults aimed at a
    group no rule has are passed to the kernel (ipv6_pass_malformed), and
    on af_packet mcr sees them too and counts each under its reason. The
    relayed kinds use source ports 4301.. so each is a flow of its own."""
    p = payload
    g, o = GROUP, OTHER_GROUP
    v = build6(p)
    ip_end = 14 + 40
    return [
        # Truncated before the UDP header can be read.
        ("eth-only", v[:14], "ipv6_pass_malformed", "truncated"),
        ("ip6-header-cut", v[:ip_end - 10], "ipv6_pass_malformed", "truncated"),
        ("other-ext-header-cut", build6(p, dst=o, exts=[DSTOPTS], cut=ip_end + 4),
         "ipv6_pass_malformed", "truncated"),
        ("other-udp-header-cut", build6(b"", dst=o, payload_len=4, cut=ip_end + 4),
         "ipv6_pass_malformed", "truncated"),
        ("udp-header-cut", build6(p, cut=ip_end + 4), "ipv6_drop_malformed", None),
        ("ext-header-cut", build6(p, exts=[DSTOPTS], cut=ip_end + 4), "ipv6_drop_malformed", None),
        # Lengths.
        ("other-payload-length-over", build6(p, dst=o, payload_len=8 + len(p) + 40),
         "ipv6_pass_malformed", "bad-length"),
        ("other-udp-length-0", build6(p, dst=o, udp_len=0, udp_csum=False), "ipv6_pass_malformed",
         "bad-length"),
        ("payload-length-over", build6(p, payload_len=8 + len(p) + 40), "ipv6_drop_malformed", None),
        ("udp-length-7", build6(p, udp_len=7), "ipv6_drop_malformed", None),
        ("udp-length-over", build6(p, udp_len=8 + len(p) + 100), "ipv6_drop_malformed", None),
        # Version 4 behind the IPv6 ethertype.
        ("other-version-4", build6(p, dst=o, version=4), "ipv6_pass_malformed", "bad-version"),
        ("version-4", build6(p, version=4), "ipv6_drop_malformed", None),
        # Extension header chains.
        ("other-hop-by-hop-not-first", build6(p, dst=o, exts=[DSTOPTS, HOPOPTS]),
         "ipv6_pass_malformed", "bad-ext-header"),
        ("other-routing-segments-left", build6(p, dst=o, exts=[(ROUTING, 1)]),
         "ipv6_pass_malformed", "bad-ext-header"),
        ("other-chain-too-long", build6(p, dst=o, exts=[DSTOPTS] * 9), "ipv6_pass_malformed",
         "ext-chain-too-long"),
        ("hop-by-hop-not-first", build6(p, exts=[DSTOPTS, HOPOPTS]), "ipv6_drop_malformed", None),
        ("routing-segments-left", build6(p, exts=[(ROUTING, 1)]), "ipv6_drop_malformed", None),
        ("chain-too-long", build6(p, exts=[DSTOPTS] * 9), "ipv6_drop_malformed", None),
        # A zero UDP checksum, which IPv6 forbids.
        ("other-zero-udp-checksum", build6(p, dst=o, udp_csum=False), "ipv6_pass_malformed",
         "zero-udp-checksum"),
        ("zero-udp-checksum", build6(p, udp_csum=False), "ipv6_drop_malformed", None),
        # Fragments of the relayed group go to mcr, which drops them as
        # `fragment` (or, reassembling IPv6, as reassembly-failed/-timeout:
        # one datagram id, overlapping, so a set never completes).
        ("first-fragment", build6(p, fragment=(0, True)), "ipv6_pass_match", "fragment"),
        ("later-fragment", build6(p, fragment=(2, True)), "ipv6_pass_match", "fragment"),
        ("last-fragment", build6(p, fragment=(0x50, False)), "ipv6_pass_match", "fragment"),
        # Not UDP: the kernel's (ICMPv6 with a bad checksum, so the relay's
        # kernel answers nothing).
        ("icmpv6-to-group", build6(p, next_header=58, udp_csum=False), "ipv6_pass_other", "not-udp"),
        ("tcp-to-group", build6(p, next_header=6), "ipv6_pass_other", "not-udp"),
        ("no-next-header", build6(p, next_header=59), "ipv6_pass_other", "not-udp"),
        # Valid, but for no rule.
        ("other-group", build6(p, dst=o), "ipv6_pass_other", "no-rule"),
        ("other-port", build6(p, dport=DPORT + 1), "ipv6_pass_other", "no-rule"),
        # Odd but valid: relayed.
        ("hop-by-hop-first", build6(p, exts=[HOPOPTS], sport=4301), "ipv6_pass_match", "relay"),
        ("dstopts-routing-dstopts", build6(p, exts=[DSTOPTS, ROUTING, DSTOPTS], sport=4302),
         "ipv6_pass_match", "relay"),
        ("trailing-bytes", build6(p, trailer=b"\xee" * 9, sport=4303), "ipv6_pass_match", "relay"),
        ("hop-limit-255", build6(p, hops=255, sport=4304), "ipv6_pass_match", "relay"),
    ]
