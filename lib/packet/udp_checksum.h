// The UDP checksum of a received IPv4 datagram: whole, absent, or a partial
// sum a local sender left for an offload that never ran.
//
// A Linux sender on veth, tap or virtio (a container or VM on the relay
// host) hands its datagrams over CHECKSUM_PARTIAL: the checksum field holds
// only the folded pseudo-header sum, to be finished by the NIC. Neither
// af_xdp nor af_packet in DPDK 22.11 passes that state on, so the relay
// recognises it from the bytes: a field equal to the datagram's folded
// pseudo-header sum. Finishing such a field (summing the UDP header and
// payload onto it, as the offload would) gives the true checksum; and a
// whole checksum that happens to equal its pseudo-header sum finishes to
// itself (the sum of a correct datagram is all ones), so the test can only
// be wrong for a datagram that is already corrupt and whose field
// coincides, one in 65,536 of those.
#pragma once

#include <cstdint>

#include <netinet/in.h>
#include <rte_branch_prediction.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/parse.h"

namespace mcr::packet {

namespace detail {

// The UDP length as stored, read from the frame parse_frame accepted.
inline uint16_t udp_length_field(const uint8_t *frame, const ParsedPacket &pkt)
{
	return load<uint16_t>(frame + pkt.l4_offset + offsetof(rte_udp_hdr, dgram_len));
}

// The IPv4 pseudo-header (RFC 768) summed as memory words, not folded.
inline uint64_t pseudo_header_sum(const ParsedPacket &pkt, uint16_t udp_len_field)
{
	return uint64_t{pkt.src_ip} + pkt.dst_ip + byte_pair(0, IPPROTO_UDP) + udp_len_field;
}

// One's-complement equality: 0 and 0xffff are both zero.
inline bool same_ones_complement(uint16_t a, uint16_t b)
{
	return a == b || (static_cast<uint16_t>(a + 1) <= 1 && static_cast<uint16_t>(b + 1) <= 1);
}

// The UDP header and payload (udp_len bytes from the UDP header) summed
// as memory words and folded, checksum field included as it is.
inline uint16_t udp_segment_sum(const uint8_t *frame, const ParsedPacket &pkt, uint16_t udp_len_field)
{
	return checksum_fold(raw_sum(frame + pkt.l4_offset, rte_be_to_cpu_16(udp_len_field)));
}

} // namespace detail

// Whether the stored field is the datagram's folded pseudo-header sum: a
// partial checksum to finish, or (harmlessly) a whole one equal to it.
// A zero field is no checksum, never partial. A few additions per packet.
inline bool udp_checksum_is_partial(const uint8_t *frame, const ParsedPacket &pkt, uint16_t field)
{
	if (field == 0)
		return false;
	const uint16_t pseudo =
		checksum_fold(detail::pseudo_header_sum(pkt, detail::udp_length_field(frame, pkt)));
	return detail::same_ones_complement(field, pseudo);
}

// The finished checksum of a datagram whose field udp_checksum_is_partial
// recognised: what the sender's offload would have written. Sums the whole
// datagram once.
inline uint16_t finish_udp_checksum(const uint8_t *frame, const ParsedPacket &pkt)
{
	const uint16_t sum = detail::udp_segment_sum(frame, pkt, detail::udp_length_field(frame, pkt));
	return udp_checksum_field(static_cast<uint16_t>(~sum));
}

// The received UDP checksum field as an output must start from it: the
// stored value, or the finished one when the sender left a partial sum.
__rte_always_inline uint16_t received_udp_checksum(const uint8_t *frame, const ParsedPacket &pkt)
{
	const auto field = load<uint16_t>(frame + pkt.l4_offset + offsetof(rte_udp_hdr, dgram_cksum));
	if (unlikely(udp_checksum_is_partial(frame, pkt, field)))
		return finish_udp_checksum(frame, pkt);
	return field;
}

// For ports with `udp_checksum: verify`: true when the datagram has no
// checksum (zero: allowed by IPv4), a correct one, or a partial sum from a
// local sender (which cannot be checked: it covers nothing yet). Sums the
// whole datagram.
inline bool udp_checksum_ok(const uint8_t *frame, const ParsedPacket &pkt)
{
	const uint16_t len_field = detail::udp_length_field(frame, pkt);
	const auto field = load<uint16_t>(frame + pkt.l4_offset + offsetof(rte_udp_hdr, dgram_cksum));
	if (field == 0)
		return true;
	const uint16_t whole = checksum_fold(uint64_t{detail::udp_segment_sum(frame, pkt, len_field)} +
					     detail::pseudo_header_sum(pkt, len_field));
	return whole == 0xffff || udp_checksum_is_partial(frame, pkt, field);
}

} // namespace mcr::packet
