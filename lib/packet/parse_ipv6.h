// IPv6 UDP reading for the receive path: what parse_frame (parse.h) does
// for IPv4, from the IPv6 header on. A separate, out-of-line function, so
// the IPv4 fast path neither inlines nor branches around its extension
// header walk; parse_frame hands over once it has seen ethertype 0x86dd.
//
// It fills the same ParsedPacket as parse_frame, so payload_offset() and
// payload_len() work unchanged:
//   src_ip, dst_ip  0: the 128-bit addresses are not copied; the rule key
//                   reads them from the frame at l3_offset + 8 and + 24
//   ip_total_len    40 + the payload length field (header + payload;
//                   bytes past it are Ethernet padding)
//   l4_offset       the UDP header, after any extension headers
//   ttl             the hop limit, for the rewrite to decrement
//   ip_version      6
//
// Jumbograms (RFC 2675: payload length 0, a hop-by-hop option for the real
// one) are bad-length: no Ethernet link mcr serves carries 64 KiB frames.
#pragma once

#include <cstdint>
#include <cstring>

#include <rte_ether.h>

#include "packet/drop_reason.h"
#include "packet/parse.h"

namespace mcr::packet {

// Bytes of the fixed IPv6 header.
inline constexpr uint32_t ipv6_header_len = 40;

// Extension headers skipped before the UDP header at most. RFC 8200 4.1
// lets a datagram carry each extension header once, destination options
// twice; of the ones skipped here (hop-by-hop, routing, destination
// options: the fragment header, AH and ESP end the walk) a conforming
// datagram has at most 4. Without a bound, a 9000-byte frame of 8-byte
// headers would cost over a thousand steps, each a load that depends on
// the one before; 8 leaves room for unusual but harmless orders and keeps
// the worst case short. RFC 8504 5.3 asks for such a configurable limit;
// Linux bounds the options inside each header to 8 by default.
inline constexpr unsigned ipv6_max_ext_headers = 8;

// Parses frame[l3, len) as IPv6 UDP: the Ethernet header and any 802.1Q
// tag (vlan: its VLAN id, 0 when untagged) end at l3. len must fit in 16
// bits (one mbuf segment). On DropReason::none pkt is filled as described
// above; otherwise pkt is unspecified. Checks in header order, so the
// verdict names the first thing wrong:
//   truncated          the frame ends inside the IPv6 header, an
//                      extension header skipped, or the UDP header
//   bad-version        version field not 6
//   bad-ext-header     hop-by-hop options anywhere but first (RFC 8200 4.3),
//                      or a routing header with segments left (4.4)
//   ext-chain-too-long more than ipv6_max_ext_headers to skip
//   bad-length         an extension header or the UDP header past the
//                      payload length; payload length past the frame; UDP
//                      length below 8 or past the payload
//   fragment           a fragment header: the worker reassembles (reassembly.h)
//   not-udp            any other next header: ICMPv6, TCP, ESP, AH, no
//                      next header (59), ...
//   zero-udp-checksum  UDP checksum field 0, which IPv6 forbids (RFC 8200 8.1)
// The UDP checksum itself is not verified here (udp_checksum_ipv6.h).
// (Declared in parse.h, which calls it.)

// l2_destination_ok (parse.h) for a datagram parse_ipv6_frame accepted: a
// group's datagram in a frame to 33:33 and the group's last four bytes
// (RFC 2464 7), a unicast one in a frame to the port's own MAC.
inline bool ipv6_l2_destination_ok(const uint8_t *frame, const ParsedPacket &pkt,
				   const rte_ether_addr &port_mac)
{
	const uint8_t *dst = frame + pkt.l3_offset + 24;
	if (dst[0] == 0xff)
		return frame[0] == 0x33 && frame[1] == 0x33 && std::memcmp(frame + 2, dst + 12, 4) == 0;
	return std::memcmp(frame, port_mac.addr_bytes, RTE_ETHER_ADDR_LEN) == 0;
}

} // namespace mcr::packet
