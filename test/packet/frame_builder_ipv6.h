// Test-side construction of Ethernet [802.1Q] IPv6 [extension headers] UDP
// frames, byte by byte, with its own checksum arithmetic (frame_builder.h's
// word sums), so the tests do not check the library against itself.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "frame_builder.h"

namespace mcr::packet::test {

using Ipv6Bytes = std::array<uint8_t, 16>;

// 2001:2::/48 (benchmarking, RFC 5180) host and ff3e::/96 (SSM) group.
inline constexpr Ipv6Bytes test_ipv6_source = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 0,
					       0, 0, 0, 0, 0, 0, 0, 0x0a};
inline constexpr Ipv6Bytes test_ipv6_group = {0xff, 0x3e, 0, 0, 0, 0, 0, 0,
					      0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78};

// Next header values (IANA protocol numbers).
inline constexpr uint8_t next_hop_by_hop = 0;
inline constexpr uint8_t next_tcp = 6;
inline constexpr uint8_t next_udp = 17;
inline constexpr uint8_t next_routing = 43;
inline constexpr uint8_t next_fragment = 44;
inline constexpr uint8_t next_esp = 50;
inline constexpr uint8_t next_ah = 51;
inline constexpr uint8_t next_icmpv6 = 58;
inline constexpr uint8_t next_none = 59;
inline constexpr uint8_t next_dest_options = 60;

// One extension header: its type and its length field (8-byte units past
// the first 8). Routing headers carry segments_left in byte 3; the rest
// of the body is filler (PadN-like bytes the parser must not read).
struct ExtHeader {
	uint8_t type;
	uint8_t len_units = 0;
	uint8_t segments_left = 0;

	size_t size() const { return type == next_fragment ? 8 : (size_t{len_units} + 1) * 8; }
};

// The IPv6 UDP checksum field a correct sender writes (RFC 8200 8.1):
// pseudo-header of both addresses, the UDP length as 32 bits and next
// header 17, then the datagram (udp_len bytes) without its checksum field.
// A computed 0 is sent as 0xffff.
inline uint16_t reference_udp6_checksum(const uint8_t *ip, const uint8_t *udp)
{
	const uint16_t udp_len = get16(udp + 4);
	uint32_t sum = be_word_sum(ip + 8, 32);
	sum += udp_len; // upper 16 bits of the 32-bit length are 0
	sum += 17;
	sum = be_word_sum(udp, 6, sum);
	sum = be_word_sum(udp + 8, udp_len - 8u, sum);
	const uint16_t c = uint16_t(~fold(sum));
	return c == 0 ? 0xffff : c;
}

inline uint16_t partial_udp6_checksum(const uint8_t *ip, const uint8_t *udp)
{
	uint32_t sum = be_word_sum(ip + 8, 32);
	sum += get16(udp + 4);
	sum += 17;
	return fold(sum);
}

struct FrameBuilder6 {
	uint8_t dst_mac[6] = {0x33, 0x33, 0x12, 0x34, 0x56, 0x78};
	uint8_t src_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	std::vector<Tag> tags;
	uint16_t ether_type = 0x86dd;

	uint8_t version = 6;
	uint8_t traffic_class = 0xb8;
	uint32_t flow_label = 0x12345;
	std::optional<uint16_t> payload_length; // default: everything after the header
	uint8_t hop_limit = 64;
	Ipv6Bytes src = test_ipv6_source;
	Ipv6Bytes dst = test_ipv6_group;
	std::vector<ExtHeader> ext;
	uint8_t upper = next_udp; // next header after the last extension header

	uint16_t src_port = 40000;
	uint16_t dst_port = 5000;
	std::optional<uint16_t> udp_length;
	enum class UdpChecksum { compute, partial } udp_checksum_mode = UdpChecksum::compute;
	std::optional<uint16_t> udp_checksum; // exact field value, wins over the mode
	Bytes payload = Bytes(18, 0xab);
	size_t padding = 0; // bytes after the IPv6 datagram

	size_t l3_offset() const { return 14 + 4 * tags.size(); }
	size_t ext_len() const
	{
		size_t n = 0;
		for (const ExtHeader &e : ext)
			n += e.size();
		return n;
	}
	size_t l4_offset() const { return l3_offset() + 40 + ext_len(); }

	FrameBuilder6 &with_payload_len(size_t n)
	{
		payload.resize(n);
		for (size_t i = 0; i < n; ++i)
			payload[i] = uint8_t(i * 7 + 3);
		return *this;
	}

	Bytes build() const
	{
		Bytes f;
		auto put8 = [&](uint8_t v) { f.push_back(v); };
		auto put16 = [&](uint16_t v) { put8(uint8_t(v >> 8)); put8(uint8_t(v)); };

		f.insert(f.end(), dst_mac, dst_mac + 6);
		f.insert(f.end(), src_mac, src_mac + 6);
		for (const Tag &t : tags) {
			put16(t.tpid);
			put16(t.tci);
		}
		put16(ether_type);

		const size_t l3 = f.size();
		const size_t udp_total = 8 + payload.size();
		put8(uint8_t(version << 4 | traffic_class >> 4));
		put8(uint8_t((traffic_class & 0x0f) << 4 | (flow_label >> 16 & 0x0f)));
		put16(uint16_t(flow_label));
		put16(payload_length.value_or(uint16_t(ext_len() + udp_total)));
		put8(ext.empty() ? upper : ext[0].type);
		put8(hop_limit);
		f.insert(f.end(), src.begin(), src.end());
		f.insert(f.end(), dst.begin(), dst.end());

		for (size_t i = 0; i < ext.size(); ++i) {
			const ExtHeader &e = ext[i];
			put8(i + 1 < ext.size() ? ext[i + 1].type : upper);
			put8(e.type == next_fragment ? uint8_t{0} : e.len_units);
			if (e.type == next_routing) {
				put8(4); // routing type 4, segment routing (RFC 8754)
				put8(e.segments_left);
				f.insert(f.end(), e.size() - 4, uint8_t{0});
			} else {
				f.insert(f.end(), e.size() - 2, uint8_t{0x01}); // filler
			}
		}

		const size_t l4 = f.size();
		put16(src_port);
		put16(dst_port);
		const uint16_t udp_len_field = udp_length.value_or(uint16_t(udp_total));
		put16(udp_len_field);
		put16(0);
		f.insert(f.end(), payload.begin(), payload.end());
		uint16_t udp_sum = 0;
		if (udp_checksum)
			udp_sum = *udp_checksum;
		else if (udp_checksum_mode == UdpChecksum::partial)
			udp_sum = partial_udp6_checksum(&f[l3], &f[l4]);
		else if (udp_len_field >= 8 && udp_len_field <= udp_total)
			udp_sum = reference_udp6_checksum(&f[l3], &f[l4]);
		else
			udp_sum = 0x5555; // lengths the checksum cannot cover; not zero
		f[l4 + 6] = uint8_t(udp_sum >> 8);
		f[l4 + 7] = uint8_t(udp_sum);

		f.insert(f.end(), padding, uint8_t{0});
		return f;
	}
};

} // namespace mcr::packet::test
