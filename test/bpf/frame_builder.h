// Ethernet frames for the XDP program's tests. A default Frame is valid UDP
// from 198.18.0.7 to 239.1.1.1:5000, untagged; each case changes only what
// it is about, so the table reads as a list of differences.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace mcr::bpf::test {

// Host-order IPv4 from its dotted form, for readable tables.
uint32_t ipv4(const char *dotted);

struct Frame {
	uint16_t ethertype = 0x0800;
	std::optional<uint16_t> vlan_tci;
	size_t non_ip_length = 28; // L3 bytes for a non-IPv4 ethertype (ARP size)

	uint8_t version = 4;
	size_t options = 0;          // IPv4 option bytes, a multiple of 4
	std::optional<uint8_t> ihl;  // default: 5 + options / 4
	uint8_t protocol = 17;       // UDP
	uint32_t src = ipv4("198.18.0.7");
	uint32_t dst = ipv4("239.1.1.1");
	uint16_t frag_off = 0;       // flags and offset, host order
	std::optional<uint16_t> total_length;

	uint16_t sport = 4000;
	uint16_t dport = 5000;
	std::optional<uint16_t> udp_length;
	size_t payload = 32;
	// Keep only this many bytes after the IP header and make the IP total
	// length say so: a datagram too short for its UDP header.
	std::optional<size_t> l4_bytes;
	size_t trailer = 0;          // Ethernet padding after the datagram
	std::optional<size_t> cut;   // the frame ends after this many bytes

	Frame &with_ethertype(uint16_t type) { ethertype = type; return *this; }
	Frame &with_vlan(uint16_t tci) { vlan_tci = tci; return *this; }
	Frame &with_version(uint8_t v) { version = v; return *this; }
	Frame &with_options(size_t bytes) { options = bytes; return *this; }
	Frame &with_ihl(uint8_t words) { ihl = words; return *this; }
	Frame &with_protocol(uint8_t proto) { protocol = proto; return *this; }
	Frame &from(const char *addr) { src = ipv4(addr); return *this; }
	Frame &to(const char *addr, uint16_t port) { dst = ipv4(addr); dport = port; return *this; }
	Frame &with_frag_off(uint16_t value) { frag_off = value; return *this; }
	Frame &with_total_length(uint16_t len) { total_length = len; return *this; }
	Frame &with_udp_length(uint16_t len) { udp_length = len; return *this; }
	Frame &with_payload(size_t bytes) { payload = bytes; return *this; }
	Frame &with_l4_bytes(size_t bytes) { l4_bytes = bytes; return *this; }
	Frame &with_trailer(size_t bytes) { trailer = bytes; return *this; }
	Frame &cut_at(size_t bytes) { cut = bytes; return *this; }

	std::vector<uint8_t> bytes() const;
};

// An IPv6 address from its text form.
std::array<uint8_t, 16> ipv6(const char *text);

// IPv6 next header values the cases use.
constexpr uint8_t nh_hop_by_hop = 0, nh_tcp = 6, nh_udp = 17, nh_routing = 43,
		  nh_fragment = 44, nh_icmpv6 = 58, nh_none = 59, nh_dest_options = 60;

// One extension header of a Frame6, in chain order.
struct ExtHeader {
	uint8_t type;              // nh_hop_by_hop, nh_routing, nh_dest_options, nh_fragment
	size_t length = 8;         // bytes, a multiple of 8 (fragment: always 8)
	uint8_t segments_left = 0; // routing
	uint16_t frag_off = 0;     // fragment: offset and M flag, host order
};

// Fragment header offset field: 8-byte units in the top 13 bits, M in bit 0.
constexpr uint16_t more_fragments = 0x0001;
constexpr uint16_t frag_offset(uint16_t units) { return static_cast<uint16_t>(units << 3); }

// Ethernet frames carrying IPv6. A default Frame6 is valid UDP (with a
// correct checksum) from 2001:2::7 to ff3e::1:5000, untagged; as with
// Frame, each case changes only what it is about.
struct Frame6 {
	std::optional<uint16_t> vlan_tci;

	uint8_t version = 6;
	std::vector<ExtHeader> ext;
	uint8_t upper = nh_udp;          // the header after the chain
	std::optional<uint8_t> icmpv6_type; // upper nh_icmpv6: its type byte
	std::array<uint8_t, 16> src = ipv6("2001:2::7");
	std::array<uint8_t, 16> dst = ipv6("ff3e::1");
	std::optional<uint16_t> payload_length;

	uint16_t sport = 4000;
	uint16_t dport = 5000;
	std::optional<uint16_t> udp_length;
	std::optional<uint16_t> udp_checksum; // default: computed
	size_t payload = 32;
	// Keep only this many bytes after the extension headers and make the
	// payload length say so: a datagram too short for its UDP header.
	std::optional<size_t> l4_bytes;
	size_t trailer = 0;
	std::optional<size_t> cut;

	Frame6 &with_vlan(uint16_t tci) { vlan_tci = tci; return *this; }
	Frame6 &with_version(uint8_t v) { version = v; return *this; }
	Frame6 &with_ext(ExtHeader header) { ext.push_back(header); return *this; }
	Frame6 &with_fragment(uint16_t frag_off) { return with_ext({nh_fragment, 8, 0, frag_off}); }
	Frame6 &with_upper(uint8_t next) { upper = next; return *this; }
	Frame6 &icmpv6(uint8_t type) { upper = nh_icmpv6; icmpv6_type = type; return *this; }
	Frame6 &from(const char *addr) { src = ipv6(addr); return *this; }
	Frame6 &to(const char *addr, uint16_t port) { dst = ipv6(addr); dport = port; return *this; }
	Frame6 &with_payload_length(uint16_t len) { payload_length = len; return *this; }
	Frame6 &with_udp_length(uint16_t len) { udp_length = len; return *this; }
	Frame6 &with_udp_checksum(uint16_t sum) { udp_checksum = sum; return *this; }
	Frame6 &with_payload(size_t bytes) { payload = bytes; return *this; }
	Frame6 &with_l4_bytes(size_t bytes) { l4_bytes = bytes; return *this; }
	Frame6 &with_trailer(size_t bytes) { trailer = bytes; return *this; }
	Frame6 &cut_at(size_t bytes) { cut = bytes; return *this; }

	std::vector<uint8_t> bytes() const;
};

} // namespace mcr::bpf::test
