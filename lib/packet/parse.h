// Ethernet [802.1Q] IPv4 or IPv6 UDP parser for the worker's receive path:
// one pass over raw bytes, a verdict, and the few fields the rule lookup
// and the rewrite need. The IPv4 part is inline because it runs once per
// received packet; IPv6 is handed to parse_ipv6_frame (parse_ipv6.h), out
// of line, so IPv4 neither inlines nor branches around its extension
// header walk.
//
// Bytes are read through memcpy (bytes.h) into DPDK's header types, so the
// frame may have any alignment and nothing relies on type punning.
#pragma once

#include <cstddef>
#include <cstdint>

#include <netinet/in.h>
#include <netinet/ip.h>
#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf_core.h>
#include <rte_udp.h>

#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/drop_reason.h"

namespace mcr::packet {

// What the parser learned about an accepted frame. Addresses and ports are
// kept in network order so rule keys are built without swapping; lengths
// and offsets are host order.
struct ParsedPacket {
	uint32_t src_ip;       // network order
	uint32_t dst_ip;       // network order
	uint16_t src_port;     // network order
	uint16_t dst_port;     // network order
	uint16_t vlan;         // VLAN id of the 802.1Q tag; 0 = untagged or priority-tagged
	uint16_t l3_offset;    // IP header, from the frame start
	uint16_t l4_offset;    // UDP header, after any IPv4 options or IPv6 extension headers
	uint16_t ip_total_len; // IP header(s) and payload; bytes past it are Ethernet padding
	uint8_t ttl;           // TTL, or IPv6 hop limit
	// 4 or 6, set on every verdict once the ethertype is known. IPv6
	// leaves src_ip and dst_ip 0: the rule key reads the 128-bit
	// addresses from the frame (parse_ipv6.h).
	uint8_t ip_version;
};
static_assert(sizeof(ParsedPacket) <= 24, "ParsedPacket lives in per-burst arrays");

// Whether the parser must check the IPv4 header checksum itself.
enum class IpChecksum : uint8_t {
	verify,  // compute it in software
	trusted, // the PMD already vouched for the header
};

// Maps the mbuf RX offload flags to IpChecksum. GOOD and NONE (header
// integrity verified, checksum field not meaningful) are trusted; UNKNOWN
// and BAD are re-checked in software so that a bad header is counted under
// the parser's own reason.
inline IpChecksum ip_checksum_from_rx_flags(uint64_t ol_flags)
{
	return (ol_flags & RTE_MBUF_F_RX_IP_CKSUM_GOOD) ? IpChecksum::trusted : IpChecksum::verify;
}

namespace detail {

inline uint16_t load_be16(const uint8_t *p)
{
	return rte_be_to_cpu_16(load<uint16_t>(p));
}

// Every tag type a second (or service) tag may use: 802.1ad and the
// pre-standard 0x9x00 values some switches still emit.
inline bool is_vlan_tag_type(uint16_t ether_type)
{
	return ether_type == RTE_ETHER_TYPE_VLAN || ether_type == RTE_ETHER_TYPE_QINQ ||
	       ether_type == RTE_ETHER_TYPE_QINQ1 || ether_type == RTE_ETHER_TYPE_QINQ2 ||
	       ether_type == RTE_ETHER_TYPE_QINQ3;
}

} // namespace detail

// parse_frame's IPv6 part, from the IPv6 header at l3 on (parse_ipv6.h).
DropReason parse_ipv6_frame(const uint8_t *frame, uint32_t len, uint32_t l3, uint16_t vlan,
			    ParsedPacket &pkt);

// Parses frame[0, len). On DropReason::none, pkt is filled; otherwise pkt is
// unspecified. Checks run in header order, so the reason names the first
// thing wrong: "truncated" when the frame ends inside a header that must be
// read, "bad-length" when a length field disagrees with the frame or with
// another length. IPv4 options are skipped; bytes after the IPv4 total
// length (Ethernet padding) are ignored.
//
// A PMD that strips the VLAN tag (RTE_MBUF_F_RX_VLAN_STRIPPED) hands over an
// untagged frame: the caller then takes the id from mbuf->vlan_tci.
//
// Always inlined: it runs once per received packet inside the burst loop.
__rte_always_inline DropReason parse_frame(const uint8_t *frame, uint32_t len, ParsedPacket &pkt,
					   IpChecksum ip_checksum = IpChecksum::verify)
{
	uint32_t l3 = sizeof(rte_ether_hdr);
	if (unlikely(len < l3))
		return DropReason::truncated;

	uint16_t ether_type = detail::load_be16(frame + offsetof(rte_ether_hdr, ether_type));
	uint16_t vlan = 0;
	if (unlikely(ether_type != RTE_ETHER_TYPE_IPV4)) {
		if (ether_type == RTE_ETHER_TYPE_IPV6) {
			pkt.ip_version = 6;
			return parse_ipv6_frame(frame, len, l3, 0, pkt);
		}
		if (ether_type != RTE_ETHER_TYPE_VLAN)
			return detail::is_vlan_tag_type(ether_type) ? DropReason::vlan_unsupported
								    : DropReason::not_ip;
		if (unlikely(len < l3 + sizeof(rte_vlan_hdr)))
			return DropReason::truncated;
		const uint8_t *tag = frame + l3;
		vlan = RTE_VLAN_TCI_ID(detail::load_be16(tag + offsetof(rte_vlan_hdr, vlan_tci)));
		ether_type = detail::load_be16(tag + offsetof(rte_vlan_hdr, eth_proto));
		l3 += sizeof(rte_vlan_hdr);
		if (unlikely(ether_type != RTE_ETHER_TYPE_IPV4)) {
			if (ether_type == RTE_ETHER_TYPE_IPV6) {
				pkt.ip_version = 6;
				return parse_ipv6_frame(frame, len, l3, vlan, pkt);
			}
			return detail::is_vlan_tag_type(ether_type) ? DropReason::vlan_unsupported
								    : DropReason::not_ip;
		}
	}
	pkt.ip_version = 4;

	if (unlikely(len < l3 + sizeof(rte_ipv4_hdr)))
		return DropReason::truncated;
	const rte_ipv4_hdr ip = load<rte_ipv4_hdr>(frame + l3);
	if (unlikely((ip.version_ihl >> 4) != IPVERSION))
		return DropReason::bad_version;
	const uint32_t ihl_bytes = rte_ipv4_hdr_len(&ip);
	if (unlikely(ihl_bytes < sizeof(rte_ipv4_hdr)))
		return DropReason::bad_ihl;
	const uint32_t l4 = l3 + ihl_bytes;
	if (unlikely(len < l4))
		return DropReason::truncated;
	if (ip_checksum == IpChecksum::verify &&
	    unlikely(!ipv4_header_checksum_ok(frame + l3, ihl_bytes)))
		return DropReason::bad_checksum;
	if (unlikely(ip.fragment_offset &
		     rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
		return DropReason::fragment;
	if (unlikely(ip.next_proto_id != IPPROTO_UDP))
		return DropReason::not_udp;

	if (unlikely(len < l4 + sizeof(rte_udp_hdr)))
		return DropReason::truncated;
	const uint32_t ip_total_len = rte_be_to_cpu_16(ip.total_length);
	if (unlikely(ip_total_len > len - l3 || ip_total_len < ihl_bytes + sizeof(rte_udp_hdr)))
		return DropReason::bad_length;
	const rte_udp_hdr udp = load<rte_udp_hdr>(frame + l4);
	const uint32_t udp_len = rte_be_to_cpu_16(udp.dgram_len);
	if (unlikely(udp_len < sizeof(rte_udp_hdr) || udp_len > ip_total_len - ihl_bytes))
		return DropReason::bad_length;

	pkt.src_ip = ip.src_addr;
	pkt.dst_ip = ip.dst_addr;
	pkt.src_port = udp.src_port;
	pkt.dst_port = udp.dst_port;
	pkt.vlan = vlan;
	pkt.l3_offset = static_cast<uint16_t>(l3);
	pkt.l4_offset = static_cast<uint16_t>(l4);
	pkt.ip_total_len = static_cast<uint16_t>(ip_total_len);
	pkt.ttl = ip.time_to_live;
	return DropReason::none;
}

// Whether the frame was sent to us at layer 2 as its IPv4 destination says:
// a group's datagram to that group's MAC (RFC 1112), a unicast datagram to
// our port's MAC. Anything else reached the port by flooding or forgery
// (a router drops it as PACKET_OTHERHOST, or as multicast IP in a
// broadcast frame, RFC 1122).
static inline bool l2_destination_ok(const uint8_t *frame, uint32_t dst_ip_be,
				     const rte_ether_addr &port_mac)
{
	const auto *ip = reinterpret_cast<const uint8_t *>(&dst_ip_be);
	if ((ip[0] & 0xf0) == 0xe0)
		return frame[0] == 0x01 && frame[1] == 0x00 && frame[2] == 0x5e &&
		       frame[3] == (ip[1] & 0x7f) && frame[4] == ip[2] && frame[5] == ip[3];
	return std::memcmp(frame, port_mac.addr_bytes, RTE_ETHER_ADDR_LEN) == 0;
}

// The bytes an output carries unchanged: everything after the UDP header up
// to the IP datagram's end (padding excluded).
inline uint32_t payload_offset(const ParsedPacket &pkt)
{
	return pkt.l4_offset + sizeof(rte_udp_hdr);
}

inline uint32_t payload_len(const ParsedPacket &pkt)
{
	return pkt.ip_total_len - (pkt.l4_offset - pkt.l3_offset) - sizeof(rte_udp_hdr);
}

} // namespace mcr::packet
