#include "packet/parse_ipv6.h"

#include <cstddef>

#include <netinet/in.h>
#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "packet/bytes.h"

namespace mcr::packet {

namespace {

// Hop-by-hop options, routing and destination options share their first
// two bytes (next header, length in 8-byte units not counting the first 8)
// and are at least 8 bytes long (RFC 8200 4.3-4.6).
constexpr uint32_t ext_header_min_len = 8;

bool is_skipped_ext_header(uint8_t next_header)
{
	return next_header == IPPROTO_HOPOPTS || next_header == IPPROTO_ROUTING ||
	       next_header == IPPROTO_DSTOPTS;
}

} // namespace

DropReason parse_ipv6_frame(const uint8_t *frame, uint32_t len, uint32_t l3, uint16_t vlan,
			    ParsedPacket &pkt)
{
	if (unlikely(len < l3 + ipv6_header_len))
		return DropReason::truncated;
	// Only the fields needed, not the 40 bytes: the addresses stay in
	// the frame for the rule key.
	const uint8_t *ip = frame + l3;
	if (unlikely((ip[0] >> 4) != 6))
		return DropReason::bad_version;
	// The datagram's end; extension headers and UDP must lie before it.
	const uint32_t end =
		l3 + ipv6_header_len + detail::load_be16(ip + offsetof(rte_ipv6_hdr, payload_len));

	uint8_t next_header = ip[offsetof(rte_ipv6_hdr, proto)];
	uint32_t l4 = l3 + ipv6_header_len;
	for (unsigned skipped = 0; is_skipped_ext_header(next_header); skipped++) {
		if (unlikely(next_header == IPPROTO_HOPOPTS && skipped != 0))
			return DropReason::bad_ext_header;
		if (unlikely(skipped == ipv6_max_ext_headers))
			return DropReason::ext_chain_too_long;
		if (unlikely(len < l4 + ext_header_min_len))
			return DropReason::truncated;
		const uint32_t header_len = (uint32_t{frame[l4 + 1]} + 1) * 8;
		if (unlikely(len < l4 + header_len))
			return DropReason::truncated;
		if (unlikely(end < l4 + header_len))
			return DropReason::bad_length;
		// Segments left (byte 3) not 0: the datagram is still on its way
		// to another node's address, which this relay must not stand in
		// for (RFC 8200 4.4).
		if (unlikely(next_header == IPPROTO_ROUTING && frame[l4 + 3] != 0))
			return DropReason::bad_ext_header;
		next_header = frame[l4];
		l4 += header_len;
	}
	if (unlikely(next_header != IPPROTO_UDP))
		return next_header == IPPROTO_FRAGMENT ? DropReason::fragment : DropReason::not_udp;

	if (unlikely(len < l4 + sizeof(rte_udp_hdr)))
		return DropReason::truncated;
	// end past UINT16_MAX only with a len the caller promised not to pass;
	// checked anyway, since the offsets below are 16 bits.
	if (unlikely(end > len || end < l4 + sizeof(rte_udp_hdr) || end > UINT16_MAX))
		return DropReason::bad_length;
	const rte_udp_hdr udp = load<rte_udp_hdr>(frame + l4);
	const uint32_t udp_len = rte_be_to_cpu_16(udp.dgram_len);
	if (unlikely(udp_len < sizeof(rte_udp_hdr) || udp_len > end - l4))
		return DropReason::bad_length;
	if (unlikely(udp.dgram_cksum == 0))
		return DropReason::zero_udp_checksum;

	pkt.src_ip = 0;
	pkt.dst_ip = 0;
	pkt.src_port = udp.src_port;
	pkt.dst_port = udp.dst_port;
	pkt.vlan = vlan;
	pkt.l3_offset = static_cast<uint16_t>(l3);
	pkt.l4_offset = static_cast<uint16_t>(l4);
	pkt.ip_total_len = static_cast<uint16_t>(end - l3);
	pkt.ttl = ip[offsetof(rte_ipv6_hdr, hop_limits)];
	pkt.ip_version = 6;
	return DropReason::none;
}

} // namespace mcr::packet
