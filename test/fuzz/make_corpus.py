#!/usr/bin/env python3
"""Writes the seed corpora in test/fuzz/corpus/<target>/: small, valid
inputs of each kind (and a few near misses) for the fuzzers to mutate.
Deterministic, so re-running it changes nothing; the files are committed.

  test/fuzz/make_corpus.py [--out DIR]

Frames aim at the flows of relay_flows.h (239.1.1.1:5000 any source,
239.1.1.2:5000 from 198.18.0.7, 239.1.1.3:6000 on VLAN 100,
198.18.1.1:7000, the merged 239.1.5.1:5000 on in0 and in1 and
239.1.5.2:5002 on in0, the monitored RTP 239.1.6.1:5004), in frames to
the group's MAC or to in0's.
fuzz_engine's records follow engine_input.h.
"""
import argparse
import shutil
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def ip(dotted):
    a, b, c, d = (int(x) for x in dotted.split('.'))
    return a << 24 | b << 16 | c << 8 | d


def ones_sum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while s > 0xffff:
        s = (s & 0xffff) + (s >> 16)
    return s


def frame(src='198.18.0.7', dst='239.1.1.1', sport=4000, dport=5000, payload=32, vlan=None,
          ttl=64, options=b'', frag=0, proto=17, udp_cksum=True, bad_udp_cksum=False,
          partial_udp_cksum=False,
          bad_ip_cksum=False, udp_len_delta=0, total_delta=0, trailer=0, ethertype=0x0800,
          outer=None, cut=None, version=4, ihl=None, dst_mac=None, body=None):
    if body is None:
        body = bytes((i * 7 + 3) & 0xff for i in range(payload))
    udp_len = 8 + len(body) + udp_len_delta
    udp = struct.pack('!HHHH', sport, dport, udp_len, 0) + body
    if udp_cksum and proto == 17:
        pseudo = struct.pack('!IIBBH', ip(src), ip(dst), 0, 17, udp_len)
        c = 0xffff - ones_sum(pseudo + udp[:udp_len] if udp_len <= len(udp) else pseudo + udp)
        c = c or 0xffff
        if bad_udp_cksum:
            c ^= 0x0101
        if partial_udp_cksum:  # a local sender's CHECKSUM_PARTIAL: the pseudo-header sum
            c = ones_sum(pseudo)
        udp = udp[:6] + struct.pack('!H', c) + udp[8:]
    ihl_words = ihl if ihl is not None else 5 + len(options) // 4
    total = 20 + len(options) + len(udp) + total_delta
    hdr = struct.pack('!BBHHHBBHII', version << 4 | ihl_words, 0, total & 0xffff, 0x1234, frag,
                      ttl, proto, 0, ip(src), ip(dst)) + options
    c = 0xffff - ones_sum(hdr)
    if bad_ip_cksum:
        c ^= 0x00ff
    hdr = hdr[:10] + struct.pack('!H', c) + hdr[12:]
    if dst_mac is None:
        d = ip(dst)
        # The group's MAC, or in0's own (fuzz_engine gives in0 02:00:00:00:01:00).
        dst_mac = (bytes([1, 0, 0x5e, d >> 16 & 0x7f, d >> 8 & 0xff, d & 0xff]) if d >> 28 == 0xe
                   else bytes.fromhex('020000000100'))
    eth = dst_mac + bytes.fromhex('020000000007')
    if outer is not None:
        eth += struct.pack('!HH', outer, 10)
    if vlan is not None:
        eth += struct.pack('!HH', 0x8100, vlan)
    eth += struct.pack('!H', ethertype)
    out = eth + hdr + udp + bytes(trailer)
    return out[:cut] if cut is not None else out


def frames():
    """Named frames: the relay flows, every rewrite-relevant variation and
    one frame per drop reason."""
    return {
        'group-any-source': frame(),
        'group-other-source': frame(src='198.18.9.9'),
        'group-source-specific': frame(dst='239.1.1.2'),
        'group-source-specific-wrong-source': frame(dst='239.1.1.2', src='198.18.0.8'),
        'group-on-vlan': frame(dst='239.1.1.3', dport=6000, vlan=100),
        'group-on-vlan-priority-bits': frame(dst='239.1.1.3', dport=6000, vlan=0xe064),
        'priority-tagged': frame(vlan=0),
        'unicast': frame(dst='198.18.1.1', dport=7000),
        'no-udp-checksum': frame(udp_cksum=False),
        'bad-udp-checksum': frame(bad_udp_cksum=True),
        'partial-udp-checksum': frame(partial_udp_cksum=True),
        'partial-udp-checksum-large': frame(partial_udp_cksum=True, payload=1400),
        'udp-shorter-than-ip-payload': frame(udp_len_delta=-8),
        'empty-payload': frame(payload=0),
        'odd-payload': frame(payload=33),
        'ip-options': frame(options=bytes([1, 1, 1, 0])),
        'ip-options-max': frame(options=bytes([1] * 39 + [0])),
        'ethernet-padding': frame(payload=2, trailer=16),
        'dont-fragment': frame(frag=0x4000),
        'reserved-flag': frame(frag=0x8000),
        'ttl-1': frame(ttl=1),
        'ttl-0': frame(ttl=0),
        'ttl-255': frame(ttl=255),
        'large-1400': frame(payload=1400),
        'first-fragment': frame(frag=0x2000),
        'later-fragment': frame(frag=0x0010),
        'later-fragment-unicast': frame(dst='198.18.1.1', dport=7000, frag=0x0010),
        'unmatched-port': frame(dport=5001),
        'unmatched-group': frame(dst='239.9.9.9'),
        'link-local-group': frame(dst='224.0.0.251', dport=5353),
        'tcp': frame(proto=6),
        'igmp': frame(proto=2, payload=8),
        'arp': bytes.fromhex('ffffffffffff020000000007 0806'.replace(' ', '')) + bytes(28),
        'ipv6': bytes.fromhex('333300000001020000000007 86dd'.replace(' ', '')) + bytes(48),
        'qinq': frame(outer=0x88a8, vlan=100),
        'double-8100': frame(outer=0x8100, vlan=100),
        'bad-version': frame(version=6),
        'bad-ihl': frame(ihl=4),
        'bad-ip-checksum': frame(bad_ip_cksum=True),
        'total-length-past-frame': frame(total_delta=4),
        'total-length-short': frame(total_delta=-(8 + 32 + 1)),
        'udp-length-past-ip': frame(udp_len_delta=4),
        'udp-length-below-8': frame(udp_len_delta=-(8 + 32) + 4),
        'cut-in-ethernet': frame(cut=10),
        'cut-in-vlan-tag': frame(vlan=100, cut=16),
        'cut-in-ip': frame(cut=30),
        'cut-in-options': frame(options=bytes([1] * 8), cut=38),
        'cut-before-port': frame(cut=34 + 2),
        'cut-after-port': frame(cut=34 + 5),
        'mac-of-another-group': frame(dst_mac=bytes.fromhex('01005e010102')),
        'group-in-broadcast-frame': frame(dst_mac=bytes.fromhex('ffffffffffff')),
        'unicast-to-another-mac': frame(dst='198.18.1.1', dport=7000,
                                        dst_mac=bytes.fromhex('020000000101')),
        'merged-input-0': merged(1),
        'merged-input-2': merged(1, copy=2),
        'merged-no-sequence': merged(1, payload=3),
        'monitored-rtp': rtp(1),
        'monitored-no-sequence': rtp(1, payload=3),
    }


def ip6(text):
    import ipaddress
    return ipaddress.IPv6Address(text).packed


def ext(kind, units=0, segments_left=0):
    """An IPv6 extension header: (next header value, body after its first
    two bytes). Routing headers are type 4 (segment routing)."""
    if kind == 44:  # fragment: fixed 8 bytes, offset 0 and M clear (an atomic fragment)
        return kind, bytes(6)
    body = bytes([1] * (8 * (units + 1) - 2))
    if kind == 43:
        body = bytes([4, segments_left]) + body[2:]
    return kind, body


def frame6(src='2001:2::7', dst='ff3e::8000:1', sport=4000, dport=5000, payload=32, vlan=None,
           hop_limit=64, exts=(), upper=17, udp_cksum=True, bad_udp_cksum=False,
           partial_udp_cksum=False, udp_len_delta=0, plen_delta=0, trailer=0, version=6,
           cut=None):
    """Ethernet [802.1Q] IPv6 [extension headers] UDP, for parse_ipv6_frame
    (test/packet/frame_builder_ipv6.h builds the same for the unit tests)."""
    body = bytes((i * 7 + 3) & 0xff for i in range(payload))
    udp_len = 8 + len(body) + udp_len_delta
    udp = struct.pack('!HHHH', sport, dport, udp_len & 0xffff, 0) + body
    if upper == 17:
        pseudo = ip6(src) + ip6(dst) + struct.pack('!IxxxB', udp_len & 0xffff, 17)
        c = 0
        if udp_cksum:
            c = 0xffff - ones_sum(pseudo + udp[:udp_len]) or 0xffff
            if bad_udp_cksum:
                c ^= 0x0101
            if partial_udp_cksum:
                c = ones_sum(pseudo)
        udp = udp[:6] + struct.pack('!H', c) + udp[8:]
    chain = b''
    kinds = [k for k, _ in exts] + [upper]
    for (kind, rest), following in zip(exts, kinds[1:]):
        chain += bytes([following, 0 if kind == 44 else (len(rest) + 2) // 8 - 1]) + rest
    plen = len(chain) + len(udp) + plen_delta
    hdr = struct.pack('!IHBB', version << 28 | 0xb8 << 20 | 0x12345, plen & 0xffff,
                      kinds[0], hop_limit) + ip6(src) + ip6(dst)
    d = ip6(dst)
    dst_mac = bytes([0x33, 0x33]) + d[12:] if d[0] == 0xff else bytes.fromhex('020000000100')
    eth = dst_mac + bytes.fromhex('020000000007')
    if vlan is not None:
        eth += struct.pack('!HH', 0x8100, vlan)
    eth += struct.pack('!H', 0x86dd)
    out = eth + hdr + chain + udp + bytes(trailer)
    return out[:cut] if cut is not None else out


def frames6():
    """IPv6 frames for parse_ipv6_frame: each extension header, the chain
    bound, and one frame per IPv6 verdict."""
    hbh, dst_opts, rh = ext(0), ext(60), ext(43, 2)
    return {
        'ipv6-group': frame6(),
        'ipv6-unicast': frame6(dst='2001:2::1:1', dport=7000),
        'ipv6-on-vlan': frame6(vlan=100),
        'ipv6-hop-by-hop': frame6(exts=[hbh]),
        'ipv6-hop-by-hop-large': frame6(exts=[ext(0, 255)]),
        'ipv6-routing': frame6(exts=[rh]),
        'ipv6-routing-segments-left': frame6(exts=[ext(43, 2, 1)]),
        'ipv6-destination-options': frame6(exts=[dst_opts]),
        'ipv6-recommended-order': frame6(exts=[hbh, dst_opts, rh, dst_opts]),
        'ipv6-chain-of-8': frame6(exts=[dst_opts] * 8),
        'ipv6-chain-of-9': frame6(exts=[dst_opts] * 9),
        'ipv6-hop-by-hop-second': frame6(exts=[dst_opts, hbh]),
        'ipv6-fragment': frame6(exts=[hbh, ext(44)]),
        'ipv6-esp': frame6(upper=50),
        'ipv6-no-next-header': frame6(exts=[dst_opts], upper=59),
        'ipv6-icmpv6': frame6(upper=58, payload=8),
        'ipv6-zero-udp-checksum': frame6(udp_cksum=False),
        'ipv6-bad-udp-checksum': frame6(bad_udp_cksum=True),
        'ipv6-partial-udp-checksum': frame6(partial_udp_cksum=True),
        'ipv6-odd-payload': frame6(payload=33, exts=[hbh]),
        'ipv6-large-1400': frame6(payload=1400),
        'ipv6-padding': frame6(payload=2, trailer=16),
        'ipv6-payload-length-past-frame': frame6(plen_delta=4),
        'ipv6-payload-length-short': frame6(exts=[hbh], plen_delta=-(8 + 32 + 4)),
        'ipv6-udp-length-past-payload': frame6(udp_len_delta=4),
        'ipv6-udp-shorter-than-payload': frame6(udp_len_delta=-8),
        'ipv6-version-4': frame6(version=4),
        'ipv6-cut-in-header': frame6(cut=14 + 30),
        'ipv6-cut-in-extension': frame6(exts=[hbh, dst_opts], cut=14 + 40 + 12),
        'ipv6-cut-in-udp': frame6(exts=[hbh], cut=14 + 48 + 5),
    }


def xdp_frames6():
    """IPv6 frames only the XDP program tells apart: the kernel's ICMPv6
    (ND, MLD), fragments by offset, and each IPv6 rule of fuzz_xdp.cpp's
    relay_flows6()."""
    def frag(offset_units, more):
        return 44, struct.pack('!HI', offset_units << 3 | more, 0x1234)

    return {
        'ipv6-source-specific': frame6(dst='ff3e::8000:2'),
        'ipv6-source-specific-wrong-source': frame6(dst='ff3e::8000:2', src='2001:2::8'),
        'ipv6-group-on-vlan-100': frame6(dst='ff3e::8000:3', dport=6000, vlan=100),
        'ipv6-first-fragment': frame6(exts=[frag(0, 1)]),
        'ipv6-later-fragment': frame6(exts=[frag(185, 1)]),
        'ipv6-last-fragment-unicast': frame6(dst='2001:2::1:1', dport=7000,
                                             exts=[frag(370, 0)]),
        'ipv6-neighbour-solicitation': frame6(upper=58, sport=135 << 8, dport=0, payload=16,
                                              dst='ff02::1:ff01:1', src='2001:2::7'),
        'ipv6-mld-v2-report': frame6(exts=[ext(0)], upper=58, sport=143 << 8, dport=0,
                                     payload=20, dst='ff02::16', src='fe80::7'),
        'ipv6-strict-realm-local': frame6(dst='ff03::1'),
    }


def xdp_range_frames():
    """Frames at fuzz_xdp.cpp's range_rules() and range_rules6(): inside a
    prefix and its port range, nested prefixes, a source prefix, /0 on VLAN
    200, a port just outside, a fragment to a range prefix."""
    def frag6(offset_units, more):
        return 44, struct.pack('!HI', offset_units << 3 | more, 0x1234)

    return {
        'range-slash-16': frame(dst='239.1.200.9', dport=6050),
        'range-nested-slash-24': frame(dst='239.1.1.77', dport=5005),
        'range-source-prefix': frame(dst='239.1.5.100', dport=5002),
        'range-source-prefix-other-source': frame(dst='239.1.5.100', dport=5002,
                                                  src='198.51.100.7'),
        'range-slash-0-vlan-200': frame(dst='198.51.100.1', dport=1, vlan=200),
        'range-port-above': frame(dst='239.1.200.9', dport=6100),
        'range-later-fragment': frame(dst='239.1.200.9', dport=6050, frag=185),
        'range-unicast-slash-30': frame(dst='198.18.1.2', dport=7001),
        'ipv6-range-slash-112': frame6(dst='ff3e::8000:9999', dport=6050),
        'ipv6-range-nested-slash-120': frame6(dst='ff3e::8000:77', dport=5005),
        'ipv6-range-source-prefix': frame6(dst='ff3e::8000:2', dport=5002),
        'ipv6-range-slash-0-vlan-200': frame6(dst='2001:db8::1', dport=1, vlan=200),
        'ipv6-range-later-fragment': frame6(dst='ff3e::8000:9999', dport=6050,
                                            exts=[frag6(185, 1)]),
    }


# The merged flow (relay_flows.h): its number is 32 bits little-endian at
# payload byte 0; input 0 is 239.1.5.1:5000 on in0, input 1 the same group
# on in1 (which verifies UDP checksums), input 2 239.1.5.2:5002 on in0.
# payload: UDP payload bytes, number included (fewer than 4: no number).
def merged(seq, copy=0, payload=28, **kw):
    dst, dport = ('239.1.5.2', 5002) if copy == 2 else ('239.1.5.1', 5000)
    body = struct.pack('<I', seq & 0xffffffff) + bytes((seq + i) & 0xff for i in range(payload))
    return frame(dst=dst, dport=dport, body=body[:payload], **kw)


def merged_record(seq, copy=0, **kw):
    # in1's copies carry no UDP checksum, so that mutating the number does
    # not make them bad-udp-checksum drops.
    if copy == 1:
        kw.setdefault('udp_cksum', False)
    return engine_record(merged(seq, copy, **kw), 0x01 if copy == 1 else 0)


# The monitored flow: RTP, its 16-bit big-endian number at payload byte 2;
# payload: UDP payload bytes, header included (fewer than 4: no number).
def rtp(seq, payload=32, **kw):
    header = struct.pack('!BBHII', 0x80, 96, seq & 0xffff, seq * 3000 & 0xffffffff, 0x5eed)
    return frame(dst='239.1.6.1', dport=5004, body=(header + bytes(payload))[:payload], **kw)


def fragments(whole, data=1480, ident=0x1234):
    """The IPv4 fragments of an unfragmented, option-less, untagged frame:
    `data` bytes (a multiple of 8) of IPv4 payload each, in order."""
    eth, hdr, payload = whole[:14], bytearray(whole[14:34]), whole[34:]
    out = []
    for off in range(0, len(payload), data):
        piece = payload[off:off + data]
        more = 0x2000 if off + data < len(payload) else 0
        h = bytearray(hdr)
        struct.pack_into('!HHH', h, 2, 20 + len(piece), ident, more | off // 8)
        struct.pack_into('!H', h, 10, 0)
        struct.pack_into('!H', h, 10, 0xffff - ones_sum(bytes(h)))
        out.append(eth + bytes(h) + piece)
    return out


def records(frames_):
    return b''.join(engine_record(x) for x in frames_)


def engine_record(data, ctl=0, tci=None, split=None):
    rec = struct.pack('!BH', ctl, len(data))
    if ctl & 0x02:
        rec += struct.pack('!H', tci)
    if ctl & 0x08:
        rec += bytes([split])
    return rec + data


def engine_inputs(f):
    """fuzz_engine inputs: refusal byte, then records (engine_input.h)."""
    on_in1, stripped, cksum_good, two_segs = 0x01, 0x02, 0x04, 0x08
    small_headroom = 0x10  # 8 bytes: the in-place output must fall back to a copy
    every = b''.join(engine_record(v) for v in f.values() if len(v) > 0)
    return {
        'one-of-each': b'\0' + every,
        'one-of-each-refused': b'\xff' + every,
        'fan-out-burst': b'\0' + engine_record(f['group-any-source']) * 40,
        'fan-out-burst-half-refused': b'\x55' + engine_record(f['group-any-source']) * 40,
        'vlan-stripped': b'\0' + engine_record(
            frame(dst='239.1.1.3', dport=6000), stripped, tci=0x2064),
        'vlan-stripped-on-tagged-frame': b'\0' + engine_record(
            f['group-on-vlan'], stripped, tci=100),
        'checksum-trusted': b'\0' + engine_record(f['bad-ip-checksum'], cksum_good),
        'two-segments-in-payload': b'\0' + engine_record(f['large-1400'], two_segs, split=200),
        # Finding 1 (doc/reliability.md): the datagram is all in the first
        # segment, bytes past it in a second; the output to out0 is cloned
        # with both segments and goes out with nb_segs/pkt_len that
        # disagree with its chain.
        'finding-clone-of-chained-mbuf': b'\0' + engine_record(
            frame(payload=600, trailer=64), two_segs, split=250),
        'two-segments-in-header': b'\0' + engine_record(f['group-any-source'], two_segs, split=20),
        'small-headroom': b'\0' + engine_record(f['group-source-specific'], small_headroom)
                          + engine_record(f['unicast'], small_headroom),
        'second-port': b'\0' + engine_record(f['group-any-source'], on_in1)
                       + engine_record(f['group-any-source']),
        # in1 verifies UDP checksums: the bad one is dropped, the rest relayed.
        'verify-on-second-port': b'\0' + b''.join(
            engine_record(f[k], on_in1) for k in ('group-any-source', 'bad-udp-checksum',
                                                  'partial-udp-checksum', 'no-udp-checksum',
                                                  'partial-udp-checksum-large')),
        'large-clone': b'\0' + engine_record(f['large-1400']) + engine_record(
            frame(dst='239.1.1.3', dport=6000, vlan=100, payload=1400)),
        'jumbo': b'\0' + engine_record(frame(payload=8000)),
        # Reassembly: whole sets in order and reversed, one missing its
        # middle (times out), a duplicate first fragment, and a set of 8.
        'fragments-in-order': b'\0' + records(fragments(frame(payload=4000))),
        'fragments-reversed': b'\0' + records(reversed(fragments(frame(payload=4000), ident=7))),
        'fragments-incomplete': b'\0' + records(fragments(frame(payload=4000), ident=8)[::2]),
        'fragments-duplicate-first': b'\0' + records(
            [fragments(frame(payload=3000), ident=9)[0]] + fragments(frame(payload=3000), ident=9)),
        'fragments-eight-unicast': b'\0' + records(
            fragments(frame(dst='198.18.1.1', dport=7000, payload=1000), data=128, ident=10)),
        'ttl-edges': b'\0' + engine_record(f['ttl-1']) + engine_record(f['ttl-0'])
                     + engine_record(frame(dst='239.1.1.3', dport=6000, vlan=100, ttl=1)),
        # Merged: A (input 0) and B (input 1) with different losses, B two
        # numbers behind and reordered: duplicates both ways.
        'merged-a-b': b'\0' + b''.join(
            merged_record(n, c)
            for a, b in zip(range(1, 41), [1, 3, 2, 4, 5, 7, 6] + list(range(8, 41)))
            for n, c in ((a, 0), (b - 2, 1))
            if n > 0 and not (c == 0 and n % 7 == 3) and not (c == 1 and n % 5 == 0)),
        'merged-interleaved': b'\0' + b''.join(
            merged_record(n, c) for n in range(100, 140) for c in (0, 1, 2)
            if (n + c) % 4 != 0),
        # Late (more than 16 behind), a gap, a jump past the window, a
        # resync far ahead and a run of late numbers that resyncs back.
        'merged-late-and-resync': b'\0' + b''.join(merged_record(n, c) for n, c in [
            (1000, 0), (1001, 1), (1030, 0), (1010, 1), (1014, 2), (1015, 0), (1031, 1),
            (1060, 0), (1043, 1), (1044, 0), (5000000, 0), (5000001, 1), (1061, 0)]
            + [(1062 + k, 1) for k in range(17)] + [(5000002, 0)]),
        'merged-wrap': b'\0' + b''.join(
            merged_record(n, c) for n in range(0xfffffff0, 0x100000010) for c in (0, 1)
            if (n * 3 + c) % 5 != 0),
        # Too short for the number (3, 0 bytes of payload) between numbered
        # copies, one just long enough (4); a bad checksum on in1 is
        # dropped before the window.
        'merged-no-sequence': b'\0' + merged_record(7, 0) + merged_record(7, 0, payload=3)
        + merged_record(8, 1, payload=0) + merged_record(8, 1) + merged_record(10, 2, payload=4)
        + merged_record(9, 1, bad_udp_cksum=True, udp_cksum=True) + merged_record(9, 2)
        + merged_record(11, 0, payload=5) + merged_record(12, 1, payload=3),
        # The UDP length leaves 2 payload bytes, the IPv4 length 8: the
        # relay forwards all 8 and reads the number from them (a receiver's
        # socket would see 2 bytes, no number; see the report of the
        # fuzz16 branch).
        'merged-udp-length-short': b'\0' + merged_record(20, 0)
        + merged_record(21, 0, payload=8, udp_len_delta=-6) + merged_record(21, 1),
        # A copy with TTL 1 takes the number first; the output that
        # decrements TTL drops it (ttl-expired), and the other input's good
        # copy is a duplicate: out0 never sends number 31 (see the report
        # of the fuzz16 branch).
        'merged-ttl-1-wins': b'\0' + merged_record(30, 0) + merged_record(31, 0, ttl=1)
        + merged_record(31, 1) + merged_record(32, 1),
        'merged-ttl-and-refused': b'\x0f' + b''.join(
            merged_record(n, n % 2, ttl=1 + n % 3) for n in range(50, 90)),
        'merged-large': b'\0' + b''.join(merged_record(n, c, payload=1400) for n in range(3)
                                         for c in (0, 1)),
        # Monitored RTP: wrap at 65535, a gap, reordering, a duplicate,
        # a resync, and payloads too short for the number (forwarded).
        'monitored-rtp': b'\0' + b''.join(engine_record(rtp(n & 0xffff)) for n in
                                           [65530, 65531, 65533, 65532, 65534, 65535, 0, 0, 2, 1,
                                            3, 200, 100, 30000, 30001, 30002])
        + engine_record(rtp(4, payload=3)) + engine_record(rtp(5, payload=0))
        + engine_record(rtp(6, payload=4)) + engine_record(rtp(7, payload=5)),
        'monitored-and-merged': b'\0' + b''.join(
            engine_record(rtp(n)) + merged_record(n, n % 3) for n in range(20, 60)),
    }


def rule_lines():
    return {
        'minimal': 'feed match port up0 dst 239.1.1.1 dport 5000 output port down0',
        'every-field': 'feed-b match port up0 dst 239.1.1.2 dport 5001 src 198.18.1.10 vlan 100 '
                       'output port down0 dst 239.2.2.3 dport 6000 ttl 16 vlan 200 '
                       'mac 02:00:00:00:02:0a output port down1',
        'unicast': 'uni match port up0 dst 198.18.1.1 dport 7000 '
                   'output port down0 dst 198.18.2.10 mac 02:00:00:00:02:0A',
        'keywords-as-names': 'match match port output dst 239.1.1.1 dport 1 output port match',
        'reordered': 'r output port a dst 239.0.0.1 match port b dport 65535 dst 224.0.0.1',
        'bad-number': 'r match port up0 dst 239.1.1.1 dport 0x10 output port down0',
        'missing-value': 'r match port up0 dst 239.1.1.1 dport',
        'bad-mac': 'r match port a dst 239.1.1.1 dport 1 output port b mac 01:00:5e:00:00:01',
        'output-fields': 'r match port up0 dst 239.1.1.1 dport 5000 output port down0 src keep '
                         'dscp 46 output port down0 dst 239.2.2.2 dscp 0 src 198.18.2.77',
        'merged': 'feed match port upA dst 239.1.1.1 dport 5000 match port upB dst 239.1.2.1 '
                  'dport 5000 src 198.18.1.1 merge sequence rtp window 1024 '
                  'output port down dst 239.2.2.2 dport 6000',
        'monitored': 'mold match port up0 dst 239.1.1.9 dport 5000 monitor sequence 10:8:big '
                     'window 4096 output port down0',
        'bad-sequence': 'r match port a dst 239.1.1.1 dport 1 monitor sequence 65500:8:little '
                        'window 3 output port b',
    }


def address_texts():
    """fuzz_address: IPv6 text of every RFC 4291 form, prefixes of both
    families, and near misses."""
    return {
        'ipv6-full': '2001:db8:0:0:8:800:200c:417a',
        'ipv6-compressed': '2001:DB8::8:800:200C:417A',
        'ipv6-loopback': '::1',
        'ipv6-unspecified': '::',
        'ipv6-mapped': '::ffff:198.18.0.1',
        'ipv6-mixed': '1:2:3:4:5:6:198.18.0.1',
        'ipv6-trailing-gap': '1:2:3:4:5:6:7::',
        'ipv6-two-gaps': '1::2::3',
        'ipv6-zone': 'fe80::1%eth0',
        'ipv6-leading-zeros': '0001:0db8:0000::0001',
        'prefix-ipv4': '239.1.0.0/16',
        'prefix-ipv4-host-bits': '239.1.1.0/16',
        'prefix-ssm': 'ff3e::/96',
        'prefix-benchmarking': '2001:2::/48',
        'prefix-odd-length': '2001:3::/31',
        'prefix-all': '::/0',
        'prefix-host': '198.18.0.1/32',
        'prefix-bad-length': 'ff3e::/129',
    }


def range_scripts():
    """fuzz_range: scripts of adds, removes and bulk lookups (the byte
    format is fuzz_range.cpp's)."""
    def add(flags, dst_len, src_len, dst_low, src_low, a=0, b=0):
        return bytes([0, flags, dst_len, src_len, dst_low, src_low, a, b])

    def lookup(packets):
        out = bytes([3, len(packets) - 1])
        for flags, dst_low, src_low, port in packets:
            out += bytes([flags, dst_low, src_low, port])
        return out

    v6, with_src, one_port, a_range = 1, 8, 0x40, 0x80
    remove_first = bytes([0x82, 0])
    packets4 = [(0, low, 10, port) for low in (1, 2, 0x81) for port in (2, 3, 9)]
    packets6 = [(v6 | f, low, 10, 2) for f in (0, 0x10) for low in (1, 2)]
    return {
        'precedence-v4': add(0, 0x80 | 8, 0, 0, 0) + add(0, 0x80 | 2, 0, 1, 0)
        + add(with_src, 0x80 | 8, 0x80 | 2, 0, 10) + add(one_port, 0x80 | 8, 0, 0, 0, 2)
        + add(a_range, 0x80 | 8, 0, 0, 0, 1, 8) + lookup(packets4),
        'precedence-v6': add(v6, 0x80 | 8, 0, 0, 0) + add(v6 | with_src, 0x80 | 2, 0x80 | 2, 1, 10)
        + add(v6 | 0x10, 0x80 | 2, 0, 1, 0) + lookup(packets6),
        'overlap-refused': add(a_range, 0x80 | 2, 0, 1, 0, 0, 8)
        + add(a_range, 0x80 | 2, 0, 1, 0, 4, 12) + lookup(packets4),
        'remove-replace': add(0, 0x80 | 2, 0, 1, 0) + add(0, 0x80 | 2, 0, 1, 0) + remove_first
        + lookup(packets4),
        'capacity-and-classes': b''.join(add(0, 0x80 | (i % 8), 0, i, 0) for i in range(30))
        + lookup(packets4),
        # 0.0.0.0/0 on port 0, untagged, has an all-zero hash key: with two
        # ranges, after other keys of its bucket went, removing one range
        # inserted the key a second time (doc/reliability.md).
        'finding-all-zero-key': b''.join(add(0, 0x82, 0, i, 0) for i in range(16))
        + add(0, 0, 0, 0, 0) + add(one_port, 0, 0, 0, 0, 10) + remove_first * 17 + lookup(packets4),
        'invalid': add(0, 0x80 | 0, 0, 1, 0) + add(v6, 0x80 | 0, 0, 1, 0)
        + add(a_range, 8, 0, 1, 0, 9, 2) + bytes([0x80]) + add(0, 8, 0, 1, 0)[1:] + lookup(packets4),
    }


def write(directory, files):
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        if isinstance(data, str):
            data = data.encode()
        (directory / name).write_bytes(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', type=Path, default=HERE / 'corpus')
    out = parser.parse_args().out
    for target in ('packet', 'engine', 'xdp', 'config', 'rule_grammar', 'address', 'range'):
        shutil.rmtree(out / target, ignore_errors=True)

    f = frames()
    f6 = frames6()
    write(out / 'packet', f)
    write(out / 'packet', f6)
    write(out / 'packet', {'jumbo': frame(payload=8972)})
    write(out / 'xdp', {k: v for k, v in f.items() if len(v) >= 14})
    write(out / 'xdp', {k: v for k, v in f6.items() if len(v) >= 14})
    write(out / 'xdp', xdp_frames6())
    write(out / 'xdp', xdp_range_frames())
    write(out / 'engine', engine_inputs(f))
    write(out / 'rule_grammar', rule_lines())
    write(out / 'address', address_texts())
    write(out / 'range', range_scripts())
    configs = {p.name: p.read_bytes() for p in sorted((REPO / 'config').glob('*.yaml'))}
    configs.update({
        'minimal.yaml': b'ports: [{name: a, iface: eth0}, {name: b, iface: eth1}]\nrules: []\n',
        'flow-style.yaml': b'{ports: [{name: a, iface: e0, address: 10.0.0.1}, '
                           b'{name: b, iface: e1}], workers: {lcores: [1, 2]}, '
                           b'rules: [{name: r, match: {port: a, dst: 239.1.1.1, dport: 1}, '
                           b'outputs: [{port: b, ttl: 1, vlan: 4094}]}]}\n',
        'errors.yaml': b'ports:\n  - name: a\n    iface: eth0\n    queues: 65\nworkers:\n'
                       b'  burst: 0\nrules:\n  - name: r\n    match: {port: z, dst: 1.2.3}\n',
        'anchors.yaml': b'ports:\n  - &p {name: a, iface: e0}\n  - {name: b, iface: e1}\n'
                        b'rules:\n  - {name: r, match: {port: a, dst: 239.1.1.1, dport: 1}, '
                        b'outputs: [{port: b}, {port: b, dst: 239.1.1.2}]}\n',
        'output-fields.yaml': b'ports: [{name: a, iface: e0}, {name: b, iface: e1}]\n'
                              b'rules:\n  - {name: r, match: {port: a, dst: 239.1.1.1, dport: 1}, '
                              b'outputs: [{port: b, src: keep, dscp: 46}, '
                              b'{port: b, dst: 239.2.2.2, src: 198.18.2.77, dscp: 0}]}\n',
        'merged.yaml': b'ports: [{name: a, iface: e0}, {name: b, iface: e1}, {name: c, iface: e2}]\n'
                       b'rules:\n  - name: m\n    inputs:\n'
                       b'      - {port: a, dst: 239.1.1.1, dport: 1}\n'
                       b'      - {port: b, dst: 239.1.2.1, dport: 1, src: 198.18.1.1}\n'
                       b'    merge: {sequence: rtp, window: 2048}\n'
                       b'    outputs: [{port: c, dst: 239.2.2.2}]\n'
                       b'  - name: w\n    match: {port: a, dst: 239.1.1.9, dport: 1}\n'
                       b'    monitor: {sequence: {offset: 10, size: 8, order: little}}\n'
                       b'    outputs: [{port: c}]\n',
        'tab-indent.yaml': b'ports:\n\t- name: a\n',
        'two-documents.yaml': b'ports: []\n---\nrules: []\n',
        # Finding 2 (doc/reliability.md): yaml-cpp 0.7's LoadAll never
        # returns on a stray top-level ',' and allocates until OOM.
        'finding-yaml-loadall-loop.yaml': b',\n',
    })
    write(out / 'config', configs)
    for target in ('packet', 'engine', 'xdp', 'config', 'rule_grammar', 'address', 'range'):
        n = len(list((out / target).iterdir()))
        print(f'{target}: {n} seeds')


if __name__ == '__main__':
    main()
