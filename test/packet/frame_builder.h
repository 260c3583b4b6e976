// Test-side construction and checking of Ethernet/IPv4/UDP frames. Written
// byte by byte in network order, with its own checksum arithmetic, so the
// tests do not check the library against itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace mcr::packet::test {

using Bytes = std::vector<uint8_t>;

constexpr uint32_t ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d;
}

// Host-order value to the network-order representation the library keeps.
inline uint32_t net32(uint32_t host)
{
	uint8_t b[4] = {uint8_t(host >> 24), uint8_t(host >> 16), uint8_t(host >> 8), uint8_t(host)};
	uint32_t v;
	__builtin_memcpy(&v, b, 4);
	return v;
}

inline uint16_t net16(uint16_t host)
{
	uint8_t b[2] = {uint8_t(host >> 8), uint8_t(host)};
	uint16_t v;
	__builtin_memcpy(&v, b, 2);
	return v;
}

inline uint16_t get16(const uint8_t *p)
{
	return uint16_t(p[0] << 8 | p[1]);
}

inline uint32_t get32(const uint8_t *p)
{
	return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

// Plain RFC 1071 sum of big-endian 16-bit words, odd byte padded with zero,
// carries folded at the end.
inline uint32_t be_word_sum(const uint8_t *p, size_t n, uint32_t sum = 0)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += uint32_t(p[i] << 8 | p[i + 1]);
	if (n % 2)
		sum += uint32_t(p[n - 1] << 8);
	return sum;
}

inline uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return uint16_t(sum);
}

// The IPv4 header checksum a correct sender puts in the header at ip
// (header_len bytes, options included).
inline uint16_t reference_ipv4_checksum(const uint8_t *ip, size_t header_len)
{
	uint32_t sum = be_word_sum(ip, 10);
	sum = be_word_sum(ip + 12, header_len - 12, sum);
	return uint16_t(~fold(sum));
}

// The UDP checksum field a correct sender puts in the datagram at udp,
// summing the pseudo-header taken from the IPv4 header at ip and the whole
// datagram (UDP length bytes) with the checksum field left out.
inline uint16_t reference_udp_checksum(const uint8_t *ip, const uint8_t *udp)
{
	const uint16_t udp_len = get16(udp + 4);
	uint32_t sum = be_word_sum(ip + 12, 8); // source and destination address
	sum += 17;                              // zero byte + protocol
	sum += udp_len;
	sum = be_word_sum(udp, 6, sum);
	sum = be_word_sum(udp + 8, udp_len - 8u, sum);
	const uint16_t c = uint16_t(~fold(sum));
	return c == 0 ? 0xffff : c;
}

// What a Linux sender leaves in the field when an offload is to finish the
// checksum (CHECKSUM_PARTIAL): the pseudo-header sum, folded, not
// complemented.
inline uint16_t partial_udp_checksum(const uint8_t *ip, const uint8_t *udp)
{
	uint32_t sum = be_word_sum(ip + 12, 8);
	sum += 17;
	sum += get16(udp + 4);
	return fold(sum);
}

struct Tag {
	uint16_t tpid;
	uint16_t tci;
};

// Field values of one frame; every length and checksum is derived unless
// overridden, so a test states only what it is about.
struct FrameBuilder {
	uint8_t dst_mac[6] = {0x01, 0x00, 0x5e, 0x01, 0x01, 0x01};
	uint8_t src_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	std::vector<Tag> tags;
	uint16_t ether_type = 0x0800;

	uint8_t version = 4;
	std::optional<uint8_t> ihl; // default: from options
	uint8_t tos = 0x2e;
	std::optional<uint16_t> total_length;
	uint16_t id = 0x1234;
	uint16_t flags_offset = 0x4000; // DF
	uint8_t ttl = 64;
	uint8_t protocol = 17;
	std::optional<uint16_t> ip_checksum;
	uint32_t src_ip = ipv4(198, 18, 0, 10);
	uint32_t dst_ip = ipv4(239, 1, 1, 1);
	Bytes options;

	uint16_t src_port = 40000;
	uint16_t dst_port = 5000;
	std::optional<uint16_t> udp_length;
	// partial: as a local sender with checksum offload leaves it
	enum class UdpChecksum { compute, zero, partial } udp_checksum_mode = UdpChecksum::compute;
	std::optional<uint16_t> udp_checksum; // exact field value, wins over the mode
	Bytes payload = Bytes(18, 0xab);
	size_t padding = 0; // bytes after the IPv4 datagram

	size_t l3_offset() const { return 14 + 4 * tags.size(); }
	size_t l4_offset() const { return l3_offset() + 20 + options.size(); }

	FrameBuilder &with_payload_len(size_t n)
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
		auto put32 = [&](uint32_t v) { put16(uint16_t(v >> 16)); put16(uint16_t(v)); };

		f.insert(f.end(), dst_mac, dst_mac + 6);
		f.insert(f.end(), src_mac, src_mac + 6);
		for (const Tag &t : tags) {
			put16(t.tpid);
			put16(t.tci);
		}
		put16(ether_type);

		const size_t l3 = f.size();
		const uint8_t ihl_value = ihl.value_or(uint8_t(5 + options.size() / 4));
		const size_t udp_total = 8 + payload.size();
		put8(uint8_t(version << 4 | (ihl_value & 0x0f)));
		put8(tos);
		put16(total_length.value_or(uint16_t(20 + options.size() + udp_total)));
		put16(id);
		put16(flags_offset);
		put8(ttl);
		put8(protocol);
		put16(0);
		put32(src_ip);
		put32(dst_ip);
		f.insert(f.end(), options.begin(), options.end());
		// Over the bytes actually written, so that a bogus IHL still
		// leaves a header whose checksum is right.
		const uint16_t ip_sum =
			ip_checksum.value_or(reference_ipv4_checksum(&f[l3], f.size() - l3));
		f[l3 + 10] = uint8_t(ip_sum >> 8);
		f[l3 + 11] = uint8_t(ip_sum);

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
		else if (udp_checksum_mode == UdpChecksum::compute && udp_len_field >= 8 &&
			 udp_len_field <= udp_total)
			udp_sum = reference_udp_checksum(&f[l3], &f[l4]);
		else if (udp_checksum_mode == UdpChecksum::partial)
			udp_sum = partial_udp_checksum(&f[l3], &f[l4]);
		f[l4 + 6] = uint8_t(udp_sum >> 8);
		f[l4 + 7] = uint8_t(udp_sum);

		f.insert(f.end(), padding, uint8_t{0});
		return f;
	}
};

} // namespace mcr::packet::test
