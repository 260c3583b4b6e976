"""Hand-built Ethernet frames for the malformed-traffic lab test: a valid
relay frame and more than forty ways to break it, each with the verdict
mcr's XDP program and mcr's parser must give. Checksums are right unless a
kind breaks them on purpose."""

import socket
import struct

from traffic import make_payload

GROUP = "239.1.1.1"
DPORT = 5000
SRC = "198.18.1.2"


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def group_mac(group):
    o = socket.inet_aton(group)
    return bytes([0x01, 0x00, 0x5E, o[1] & 0x7F, o[2], o[3]])


def mac(text):
    return bytes(int(b, 16) for b in text.split(":"))


def build(payload=b"", dst=GROUP, dport=DPORT, sport=4100, ttl=8, tos=0, ident=1, frag=0,
          proto=17, options=b"", ihl=None, version=4, total_len=None, ip_csum=None,
          udp_len=None, udp_csum=True, dst_mac=None, src_mac=b"\x02\x00\x00\x00\x00\xaa",
          vlan=None, outer=None, ethertype=0x0800, pad_to=0, trailer=b""):
    """Ethernet [802.1Q] IPv4 UDP; every field can be overridden."""
    udp_length = 8 + len(payload) if udp_len is None else udp_len
    udp = struct.pack("!HHHH", sport, dport, udp_length, 0) + payload
    if proto == 17 and udp_csum:
        pseudo = socket.inet_aton(SRC) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, len(udp))
        c = csum(pseudo + udp) or 0xFFFF
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    header_len = 20 + len(options)
    words = header_len // 4 if ihl is None else ihl
    length = header_len + len(udp) if total_len is None else total_len
    ip = struct.pack("!BBHHHBBH4s4s", version << 4 | words, tos, length, ident, frag, ttl, proto, 0,
                     socket.inet_aton(SRC), socket.inet_aton(dst)) + options
    c = csum(ip) if ip_csum is None else ip_csum
    ip = ip[:10] + struct.pack("!H", c) + ip[12:]
    eth = (dst_mac if dst_mac is not None else group_mac(dst)) + src_mac
    if outer is not None:
        eth += struct.pack("!HH", outer, 5)
    if vlan is not None:
        eth += struct.pack("!HH", 0x8100, vlan)
    frame = eth + struct.pack("!H", ethertype) + ip + udp + trailer
    return frame + bytes(max(pad_to - len(frame), 0))


def kinds(relay_mac, payload):
    """(name, frame, xdp counter on an af_packet port, what mcr does with it:
    'relay' or a drop reason). relay_mac: the relay's ingress MAC. The
    relayed kinds use source ports 4201.. so each is a flow of its own."""
    p = payload
    v = build(p)
    eth = v[:14]
    nr = "not-ip"
    return [
        # Truncated at every layer.
        ("eth-only", eth, "pass_malformed", "truncated"),
        ("ip-10-bytes", v[:24], "pass_malformed", "truncated"),
        ("ip-19-bytes", v[:33], "pass_malformed", "truncated"),
        ("udp-missing", build(b"")[:34], "drop_malformed", "truncated"),
        ("udp-2-bytes", build(b"")[:36], "drop_malformed", "truncated"),
        ("udp-4-bytes", build(b"")[:38], "drop_malformed", "truncated"),
        ("udp-7-bytes", build(b"")[:41], "drop_malformed", "truncated"),
        ("vlan-cut", build(p, vlan=5)[:16], "pass_malformed", "truncated"),
        ("vlan-ip-cut", build(p, vlan=5)[:28], "pass_malformed", "truncated"),
        ("options-cut", build(p, options=b"\x01" * 8)[:38], "drop_malformed", "truncated"),
        # IPv4 header fields.
        ("ihl-4", build(p, ihl=4), "drop_malformed", "bad-ihl"),
        ("ihl-0", build(p, ihl=0), "drop_malformed", "bad-ihl"),
        ("ihl-15-past-frame", build(b"", ihl=15), "drop_malformed", "truncated"),
        ("version-6", build(p, version=6), "drop_malformed", "bad-version"),
        ("version-0", build(p, version=0), "drop_malformed", "bad-version"),
        ("total-length-over", build(p, total_len=28 + len(p) + 40), "drop_malformed", "bad-length"),
        ("total-length-under", build(p, total_len=12), "drop_malformed", "bad-length"),
        ("bad-ip-checksum", build(p, ip_csum=0x1234), "pass_match", "bad-checksum"),
        ("zero-ip-checksum", build(p, ip_csum=0), "pass_match", "bad-checksum"),
        # Fragments: sent to mcr, which reassembles, and none of these sets
        # ever completes (one datagram id: overlaps, repeats, holes).
        ("first-fragment", build(p, frag=0x2000), "pass_match", "reassembly"),
        ("later-fragment", build(p, frag=0x0010), "pass_match", "reassembly"),
        ("last-fragment", build(p, frag=0x00b9), "pass_match", "reassembly"),
        ("df-and-offset", build(p, frag=0x4001), "pass_match", "reassembly"),
        # TTL.
        ("ttl-0", build(p, ttl=0), "pass_match", "ttl-expired"),
        ("ttl-1", build(p, ttl=1), "pass_match", "ttl-expired"),
        # UDP length.
        ("udp-length-0", build(p, udp_len=0, udp_csum=False), "drop_malformed", "bad-length"),
        ("udp-length-7", build(p, udp_len=7, udp_csum=False), "drop_malformed", "bad-length"),
        ("udp-length-over", build(p, udp_len=8 + len(p) + 100, udp_csum=False), "drop_malformed",
         "bad-length"),
        # Not UDP, not for a rule.
        ("tcp-to-group", build(p, proto=6), "pass_other", "not-udp"),
        ("icmp-to-group", build(p, proto=1), "pass_other", "not-udp"),
        ("igmp-to-group", build(p, proto=2), "pass_other", "not-udp"),
        ("other-port", build(p, dport=5001), "pass_other", "no-rule"),
        ("other-group", build(p, dst="239.9.9.9"), "pass_other", "no-rule"),
        ("vlan-7-no-rule", build(p, vlan=7), "pass_other", "no-rule"),
        ("qinq", build(p, vlan=7, outer=0x88A8), "pass_non_ip", "vlan-unsupported"),
        ("qinq-8100", build(p, vlan=7, outer=0x8100), "pass_non_ip", "vlan-unsupported"),
        # Not IPv4 (the IPv6 one: an IPv6 ethertype with version 0).
        ("arp", eth[:12] + struct.pack("!H", 0x0806) + bytes(28), "pass_non_ip", nr),
        ("ipv6", mac("33:33:00:00:00:01") + eth[6:12] + b"\x86\xdd" + bytes(60), "ipv6_pass_malformed", "bad-version"),
        ("lldp", mac("01:80:c2:00:00:0e") + eth[6:12] + b"\x88\xcc" + bytes(40), "pass_non_ip", nr),
        ("ethertype-0", eth[:12] + b"\x00\x00" + bytes(40), "pass_non_ip", nr),
        # Addresses that disagree between layer 2 and layer 3.
        ("broadcast-mac-group-ip", build(p, dst_mac=b"\xff" * 6), "pass_match", "mac-mismatch"),
        ("unicast-mac-group-ip", build(p, dst_mac=relay_mac), "pass_match", "mac-mismatch"),
        ("other-group-mac", build(p, dst_mac=group_mac("239.1.1.2")), "pass_match", "mac-mismatch"),
        ("group-mac-unicast-ip", build(p, dst="198.18.1.1", dst_mac=group_mac(GROUP)), "pass_other",
         "mac-mismatch"),
        # Odd but valid: relayed.
        ("ip-options", build(p, options=b"\x01\x01\x01\x00", sport=4201), "pass_match", "relay"),
        ("ethernet-padding", build(p[:4], pad_to=60, sport=4202), "pass_match", "relay"),
        ("trailing-bytes", build(p, trailer=b"\xee" * 9, sport=4203), "pass_match", "relay"),
        ("no-udp-checksum", build(p, udp_csum=False, sport=4204), "pass_match", "relay"),
        ("dscp-df-ttl-255", build(p, tos=0xB8, frag=0x4000, ttl=255, sport=4205), "pass_match",
         "relay"),
    ]


def send(iface, frames, pace_every=32):
    """Raw frames out of iface (an AF_PACKET socket), paced so veth keeps up."""
    import time
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for i, frame in enumerate(frames):
        s.send(frame)
        if i % pace_every == pace_every - 1:
            time.sleep(0.001)
