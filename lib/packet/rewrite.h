// Output headers of a relayed packet: the worker writes them once per output,
// either in front of a full copy of the payload or into a private header mbuf
// chained to an indirect clone of the received payload.
#pragma once

#include <cstdint>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "packet/drop_reason.h"
#include "packet/parse.h"

namespace mcr::packet {

// How one output differs from the received packet. Built once per rule
// output on the main lcore; addresses and ports in network order.
struct OutputRewrite {
	rte_ether_addr dst_mac;
	rte_ether_addr src_mac;
	uint16_t vlan;     // VLAN id to tag with; 0 = send untagged
	uint32_t src_ip;   // always written: the output port's address
	uint32_t dst_ip;   // 0 = keep the received destination
	uint16_t dst_port; // 0 = keep the received destination port
	uint8_t ttl;       // 0 = received TTL - 1; otherwise used as is
};

// Header bytes write_output_headers produces for this output: Ethernet,
// the 802.1Q tag if any, a 20-byte IPv4 header, UDP. Known before writing,
// so the caller can size the mbuf first.
constexpr uint16_t output_header_len(const OutputRewrite &out)
{
	return sizeof(rte_ether_hdr) + (out.vlan != 0 ? sizeof(rte_vlan_hdr) : 0) +
	       sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr);
}

inline constexpr uint16_t max_output_header_len =
	sizeof(rte_ether_hdr) + sizeof(rte_vlan_hdr) + sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr);

struct RewriteResult {
	uint16_t header_len; // bytes written at dst; 0 when dropped
	DropReason drop;     // none, or ttl_expired (then nothing is written)
};

// What every output of one received datagram takes from it, read once per
// packet however many outputs it has. Words as they sit in memory.
struct RewriteInput {
	uint64_t ip_sum;      // IPv4 words no output changes: version/IHL + TOS, length, id, flags
	uint64_t udp_removed; // what leaves the UDP checksum: ~checksum, ~src, ~dst, ~port
	uint32_t dst_ip;
	uint16_t first_word; // version/IHL (no options) + TOS
	uint16_t total_len;  // without the options, which are not carried
	uint16_t packet_id;
	uint16_t fragment;
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t udp_len;
	uint8_t ttl;
	bool udp_checksum; // false: sent without one (0), and stays so
};

// Reads the fields of a frame that parse_frame accepted as pkt.
RewriteInput read_rewrite_input(const uint8_t *frame, const ParsedPacket &pkt);

// Writes the output's Ethernet [+ 802.1Q] + IPv4 + UDP headers at dst.
// IPv4 options are not carried (the relay re-originates the datagram, IHL
// is 5); TOS, id and DF are kept. The IPv4 checksum is computed afresh; the
// UDP checksum is updated incrementally, so an error in the received
// datagram stays detectable downstream, and a zero (absent) UDP checksum
// stays zero. Reads nothing of the frame, so dst may overlap it.
RewriteResult write_output_headers(const RewriteInput &in, const OutputRewrite &out, uint8_t *dst);

// Both steps for one output. Every source field is read before anything is
// written, so dst may overlap the frame's own headers: rewriting in place is
// valid when dst + header_len == frame + payload_offset(pkt).
//
// The payload that must follow is frame + payload_offset(pkt), payload_len(pkt)
// bytes long.
inline RewriteResult write_output_headers(const uint8_t *frame, const ParsedPacket &pkt,
					  const OutputRewrite &out, uint8_t *dst)
{
	return write_output_headers(read_rewrite_input(frame, pkt), out, dst);
}

// Ethernet destination of an IPv4 multicast group (RFC 1112: 01:00:5e and
// the group's low 23 bits). group is in network order.
rte_ether_addr multicast_mac(uint32_t group);

} // namespace mcr::packet
