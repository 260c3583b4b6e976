// The UDP checksum of a received IPv6 datagram (parse_ipv6.h accepted it):
// the IPv4 rules of udp_checksum.h over IPv6's pseudo-header (RFC 8200 8.1:
// both 128-bit addresses, the UDP length as a 32-bit word, next header 17).
// IPv6 has no "no checksum": a zero field is wrong, and the parser already
// drops it as zero-udp-checksum.
//
// A partial sum left by a local sender's checksum offload is recognised as
// for IPv4 (udp_checksum.h explains why): a field equal to the folded
// pseudo-header sum. finish_udp_checksum (udp_checksum.h) finishes it
// unchanged, since it sums only the UDP header and payload.
#pragma once

#include <cstdint>

#include <netinet/in.h>
#include <rte_udp.h>

#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/parse.h"
#include "packet/udp_checksum.h"

namespace mcr::packet {

namespace detail {

// Source and destination address of the IPv6 header at l3.
inline constexpr uint32_t ipv6_addresses_offset = 8;
inline constexpr uint32_t ipv6_addresses_len = 32;

// The IPv6 pseudo-header summed as memory words, not folded. The 32-bit
// length's upper half is zero, its lower half the UDP length field.
inline uint64_t ipv6_pseudo_header_sum(const uint8_t *frame, const ParsedPacket &pkt,
				       uint16_t udp_len_field)
{
	return raw_sum(frame + pkt.l3_offset + ipv6_addresses_offset, ipv6_addresses_len) +
	       byte_pair(0, IPPROTO_UDP) + udp_len_field;
}

} // namespace detail

// Whether a nonzero stored field is the datagram's folded pseudo-header sum.
inline bool udp_checksum_ipv6_is_partial(const uint8_t *frame, const ParsedPacket &pkt,
					 uint16_t field)
{
	if (field == 0)
		return false;
	const uint16_t pseudo = checksum_fold(
		detail::ipv6_pseudo_header_sum(frame, pkt, detail::udp_length_field(frame, pkt)));
	return detail::same_ones_complement(field, pseudo);
}

// For `udp_checksum: verify` on IPv6: true when the checksum is right or a
// local sender's partial sum; false when wrong or zero. Sums the whole
// datagram.
inline bool udp_checksum_ipv6_ok(const uint8_t *frame, const ParsedPacket &pkt)
{
	const uint16_t len_field = detail::udp_length_field(frame, pkt);
	const auto field = load<uint16_t>(frame + pkt.l4_offset + offsetof(rte_udp_hdr, dgram_cksum));
	if (field == 0)
		return false;
	const uint16_t whole =
		checksum_fold(uint64_t{detail::udp_segment_sum(frame, pkt, len_field)} +
			      detail::ipv6_pseudo_header_sum(frame, pkt, len_field));
	return whole == 0xffff || udp_checksum_ipv6_is_partial(frame, pkt, field);
}

} // namespace mcr::packet
