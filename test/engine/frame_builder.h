// Test-side frames: built and decoded byte by byte in network order, with
// the test's own checksum arithmetic, so the engine is never checked
// against the packet library it is built on.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mcr::engine::test {

using Bytes = std::vector<uint8_t>;
using MacBytes = std::array<uint8_t, 6>;

// Host-order IPv4 address from its dotted-quad octets.
constexpr uint32_t ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d;
}

inline uint16_t read16(const uint8_t *p)
{
	return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

inline uint32_t read32(const uint8_t *p)
{
	return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

// RFC 1071 sum of big-endian 16-bit words (odd byte padded with zero),
// carries kept in the 32-bit accumulator and folded by fold16.
inline uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum = 0)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += read16(p + i);
	if (n % 2)
		sum += uint32_t{p[n - 1]} << 8;
	return sum;
}

inline uint16_t fold16(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return static_cast<uint16_t>(sum);
}

// The checksum field a correct sender writes into the IPv4 header at ip,
// options included (the field itself left out of the sum).
inline uint16_t ipv4_header_checksum(const uint8_t *ip, size_t header_len = 20)
{
	return static_cast<uint16_t>(~fold16(sum16(ip + 12, header_len - 12, sum16(ip, 10))));
}

// The UDP checksum field a correct sender writes: pseudo-header (addresses,
// protocol 17, UDP length) plus the datagram, its checksum field left out;
// a computed 0 goes on the wire as 0xffff (RFC 768).
inline uint16_t udp_checksum(uint32_t src_ip, uint32_t dst_ip, const uint8_t *udp)
{
	const uint16_t len = read16(udp + 4);
	uint32_t sum = (src_ip >> 16) + (src_ip & 0xffff) + (dst_ip >> 16) + (dst_ip & 0xffff);
	sum += 17 + len;
	sum = sum16(udp, 6, sum);
	sum = sum16(udp + 8, len - 8u, sum);
	const auto c = static_cast<uint16_t>(~fold16(sum));
	return c == 0 ? 0xffff : c;
}

// One Ethernet [802.1Q] IPv4 UDP frame as field values; build_frame derives
// every length and checksum. Addresses and ports in host order.
struct UdpFrame {
	MacBytes dst_mac{0x01, 0x00, 0x5e, 0x01, 0x01, 0x01};
	MacBytes src_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	std::optional<uint16_t> vlan; // 802.1Q VLAN id; absent = untagged
	uint16_t ether_type = 0x0800;
	uint8_t tos = 0x2e;
	uint16_t ip_id = 0x1234;
	uint16_t flags_fragment = 0x4000; // DF
	uint8_t ttl = 64;
	uint8_t protocol = 17;
	uint32_t src_ip = ipv4(198, 18, 0, 10);
	uint32_t dst_ip = ipv4(239, 1, 1, 1);
	Bytes ip_options; // a multiple of 4 bytes; IHL follows
	uint16_t src_port = 40000;
	uint16_t dst_port = 5000;
	bool with_udp_checksum = true; // false: field 0, "no checksum"
	// The field holds only the pseudo-header sum, as a local sender with
	// checksum offload leaves it (CHECKSUM_PARTIAL) for the NIC to finish.
	bool partial_udp_checksum = false;
	Bytes payload;
	size_t padding = 0; // zero bytes after the datagram (Ethernet minimum size)
};

inline Bytes build_frame(const UdpFrame &f)
{
	Bytes b;
	auto put8 = [&](uint8_t v) { b.push_back(v); };
	auto put16 = [&](uint16_t v) {
		put8(static_cast<uint8_t>(v >> 8));
		put8(static_cast<uint8_t>(v));
	};
	auto put32 = [&](uint32_t v) {
		put16(static_cast<uint16_t>(v >> 16));
		put16(static_cast<uint16_t>(v));
	};

	b.insert(b.end(), f.dst_mac.begin(), f.dst_mac.end());
	b.insert(b.end(), f.src_mac.begin(), f.src_mac.end());
	if (f.vlan) {
		put16(0x8100);
		put16(*f.vlan);
	}
	put16(f.ether_type);

	const size_t l3 = b.size();
	const size_t udp_len = 8 + f.payload.size();
	const size_t ip_header_len = 20 + f.ip_options.size();
	put8(static_cast<uint8_t>(0x40 | ip_header_len / 4));
	put8(f.tos);
	put16(static_cast<uint16_t>(ip_header_len + udp_len));
	put16(f.ip_id);
	put16(f.flags_fragment);
	put8(f.ttl);
	put8(f.protocol);
	put16(0);
	put32(f.src_ip);
	put32(f.dst_ip);
	b.insert(b.end(), f.ip_options.begin(), f.ip_options.end());
	const uint16_t ip_sum = ipv4_header_checksum(&b[l3], ip_header_len);
	b[l3 + 10] = static_cast<uint8_t>(ip_sum >> 8);
	b[l3 + 11] = static_cast<uint8_t>(ip_sum);

	const size_t l4 = b.size();
	put16(f.src_port);
	put16(f.dst_port);
	put16(static_cast<uint16_t>(udp_len));
	put16(0);
	b.insert(b.end(), f.payload.begin(), f.payload.end());
	if (f.partial_udp_checksum) {
		uint32_t sum = (f.src_ip >> 16) + (f.src_ip & 0xffff) + (f.dst_ip >> 16) +
			       (f.dst_ip & 0xffff) + 17 + udp_len;
		const uint16_t partial = fold16(sum);
		b[l4 + 6] = static_cast<uint8_t>(partial >> 8);
		b[l4 + 7] = static_cast<uint8_t>(partial);
	} else if (f.with_udp_checksum) {
		const uint16_t sum = udp_checksum(f.src_ip, f.dst_ip, &b[l4]);
		b[l4 + 6] = static_cast<uint8_t>(sum >> 8);
		b[l4 + 7] = static_cast<uint8_t>(sum);
	}
	b.insert(b.end(), f.padding, uint8_t{0});
	return b;
}

// Payload of len bytes (at least 8) that names its flow and sequence
// number in its first 8 bytes and fills the rest from them, so a byte moved,
// lost or overwritten anywhere is caught.
inline Bytes sequenced_payload(uint32_t flow, uint32_t seq, size_t len)
{
	Bytes p(len < 8 ? 8 : len);
	for (int i = 0; i < 4; i++) {
		p[i] = static_cast<uint8_t>(flow >> (24 - 8 * i));
		p[4 + i] = static_cast<uint8_t>(seq >> (24 - 8 * i));
	}
	for (size_t i = 8; i < p.size(); i++)
		p[i] = static_cast<uint8_t>(i * 31 + seq * 7 + flow);
	return p;
}

inline uint32_t payload_flow(const Bytes &payload)
{
	return payload.size() >= 8 ? read32(payload.data()) : ~0u;
}

inline uint32_t payload_seq(const Bytes &payload)
{
	return payload.size() >= 8 ? read32(payload.data() + 4) : ~0u;
}

// An accepted-looking output frame split back into fields; decode_frame
// returns nullopt (with *why) when the bytes are not Eth [802.1Q] IPv4 UDP
// with IHL 5 and consistent lengths.
struct DecodedFrame {
	MacBytes dst_mac;
	MacBytes src_mac;
	std::optional<uint16_t> vlan_tci;
	uint8_t version_ihl;
	uint8_t tos;
	uint16_t ip_total_len;
	uint16_t ip_id;
	uint16_t flags_fragment;
	uint8_t ttl;
	uint8_t protocol;
	uint16_t ip_checksum;
	uint32_t src_ip;
	uint32_t dst_ip;
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t udp_len;
	uint16_t udp_checksum;
	Bytes payload;
	// Checksums recomputed from the decoded bytes, to compare with the
	// fields above.
	uint16_t ip_checksum_recomputed;
	uint16_t udp_checksum_recomputed;
};

inline std::optional<DecodedFrame> decode_frame(const Bytes &b, std::string *why)
{
	DecodedFrame d{};
	size_t l3 = 14;
	if (b.size() < 14) {
		*why = "shorter than an Ethernet header";
		return std::nullopt;
	}
	std::copy(b.begin(), b.begin() + 6, d.dst_mac.begin());
	std::copy(b.begin() + 6, b.begin() + 12, d.src_mac.begin());
	uint16_t type = read16(&b[12]);
	if (type == 0x8100) {
		if (b.size() < 18) {
			*why = "truncated 802.1Q tag";
			return std::nullopt;
		}
		d.vlan_tci = read16(&b[14]);
		type = read16(&b[16]);
		l3 = 18;
	}
	if (type != 0x0800 || b.size() < l3 + 28) {
		*why = "not IPv4 + UDP, or truncated";
		return std::nullopt;
	}
	const uint8_t *ip = &b[l3];
	d.version_ihl = ip[0];
	d.tos = ip[1];
	d.ip_total_len = read16(ip + 2);
	d.ip_id = read16(ip + 4);
	d.flags_fragment = read16(ip + 6);
	d.ttl = ip[8];
	d.protocol = ip[9];
	d.ip_checksum = read16(ip + 10);
	d.src_ip = read32(ip + 12);
	d.dst_ip = read32(ip + 16);
	if (d.version_ihl != 0x45 || d.ip_total_len < 28 || l3 + d.ip_total_len > b.size()) {
		*why = "IPv4 header not 20 bytes or total length past the frame";
		return std::nullopt;
	}
	const uint8_t *udp = ip + 20;
	d.src_port = read16(udp);
	d.dst_port = read16(udp + 2);
	d.udp_len = read16(udp + 4);
	d.udp_checksum = read16(udp + 6);
	if (d.udp_len != d.ip_total_len - 20) {
		*why = "UDP length disagrees with the IPv4 total length";
		return std::nullopt;
	}
	d.payload.assign(udp + 8, udp + d.udp_len);
	d.ip_checksum_recomputed = ipv4_header_checksum(ip);
	d.udp_checksum_recomputed = udp_checksum(d.src_ip, d.dst_ip, udp);
	return d;
}

} // namespace mcr::engine::test
