// Output headers in the general form: a datagram of either family sent as
// either family, its destination kept, set, or mapped (the received
// destination's host bits carried into the output's prefix). IPv6 rules,
// IPv4 to IPv6 and back, and range rules take this path; the IPv4 exact
// relay keeps rewrite.h's, whose sums are precomputed for it.
//
// Out of line: one call per output, and IPv4 relays never make it.
#pragma once

#include <cstdint>

#include <rte_ether.h>

#include "packet/address16.h"
#include "packet/parse.h"
#include "packet/rewrite.h"

namespace mcr::packet {

struct GeneralRewrite {
	enum class Dst : uint8_t { keep, set, map };

	rte_ether_addr dst_mac; // unless mac_from_group
	rte_ether_addr src_mac;
	uint16_t vlan;     // 0: untagged
	uint16_t dst_port; // network order; 0 keeps the received one
	bool ipv6;         // the output's family
	Dst dst_mode;
	uint8_t map_bits; // map: low bits of the received destination carried over
	bool keep_src;    // send with the received source (same family only)
	// The destination MAC is the output group's, derived per packet: for
	// a kept or mapped group destination, which differs packet by packet.
	bool mac_from_group;
	uint8_t ttl;       // 0: received TTL / hop limit - 1; otherwise used as is
	uint8_t tos_clear; // as OutputRewrite: TOS or traffic class bits replaced
	uint8_t tos_set;
	Address16 src; // unless keep_src
	Address16 dst; // set: the destination; map: its prefix, host bits zero
};

// Header bytes write_general_headers writes for this output.
constexpr uint16_t general_header_len(const GeneralRewrite &out)
{
	return static_cast<uint16_t>(sizeof(rte_ether_hdr) + (out.vlan != 0 ? sizeof(rte_vlan_hdr) : 0) +
				     (out.ipv6 ? 40 : sizeof(rte_ipv4_hdr)) + sizeof(rte_udp_hdr));
}

inline constexpr uint16_t max_general_header_len =
	sizeof(rte_ether_hdr) + sizeof(rte_vlan_hdr) + 40 + sizeof(rte_udp_hdr);

// What every output of one received datagram takes from it, read once.
struct GeneralInput {
	Address16 src;
	Address16 dst;
	const uint8_t *payload;  // the UDP payload in the received frame
	uint32_t ip_payload_len; // UDP header and payload, as the IP datagram carries them
	uint16_t src_port;       // network order
	uint16_t dst_port;
	uint16_t udp_len;   // the UDP length field, network order
	uint16_t udp_cksum; // the true received checksum field; 0: none (IPv4 only)
	uint16_t packet_id; // IPv4 only
	uint16_t fragment;  // IPv4 only: the DF bit
	uint32_t flow_label; // IPv6 only, host order
	uint8_t ttl;        // or hop limit
	uint8_t tos;        // or traffic class
	bool ipv6;
};

// frame: a datagram parse_frame accepted as pkt, of either family. A local
// sender's partial UDP checksum is finished here.
GeneralInput read_general_input(const uint8_t *frame, const ParsedPacket &pkt);

// The output's destination address for this datagram.
Address16 general_destination(const GeneralInput &in, const GeneralRewrite &out);

// Writes Ethernet [+ 802.1Q] + IPv4 or IPv6 + UDP at dst (general_header_len
// bytes); the payload follows unchanged. IPv4 options and IPv6 extension
// headers are not carried. Carried over: TTL or hop limit (decremented
// unless set), TOS or traffic class (but a DSCP the output sets), an IPv4
// datagram's id and DF, an IPv6 flow label to IPv6. An IPv6 datagram sent
// as IPv4 has id 0 and DF set: IPv6 is never fragmented on its way. The
// UDP checksum is updated incrementally for the addresses and port (the
// pseudo-header's length and protocol sum the same in both families), so
// an error in the received datagram stays detectable; an IPv4 datagram
// without one gets one computed over the payload when sent as IPv6, which
// forbids none. Reads nothing of the frame but in.payload, so dst may
// overlap the received headers.
RewriteResult write_general_headers(const GeneralInput &in, const GeneralRewrite &out, uint8_t *dst);

// Ethernet destination of an IPv6 group (RFC 2464 7: 33:33 and the group's
// last four bytes).
rte_ether_addr multicast_mac6(const uint8_t *group);

} // namespace mcr::packet
