#include "frame_builder.h"

#include <algorithm>
#include <arpa/inet.h>
#include <stdexcept>

namespace mcr::bpf::test {

namespace {

void put16(std::vector<uint8_t> &out, uint16_t value)
{
	out.push_back(static_cast<uint8_t>(value >> 8));
	out.push_back(static_cast<uint8_t>(value));
}

void put32(std::vector<uint8_t> &out, uint32_t value)
{
	put16(out, static_cast<uint16_t>(value >> 16));
	put16(out, static_cast<uint16_t>(value));
}

// The program does not check it, but a realistic header keeps the cases
// honest should it ever start to.
uint16_t ipv4_checksum(const uint8_t *header, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += static_cast<uint32_t>(header[i] << 8 | header[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return static_cast<uint16_t>(~sum);
}

uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return static_cast<uint16_t>(sum);
}

uint32_t sum16(const uint8_t *bytes, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < len; i += 2)
		sum += static_cast<uint32_t>(bytes[i] << 8 | (i + 1 < len ? bytes[i + 1] : 0));
	return sum;
}

// RFC 8200 8.1: the pseudo-header, then the UDP header and payload.
uint16_t udp6_checksum(const std::array<uint8_t, 16> &src, const std::array<uint8_t, 16> &dst,
		       const uint8_t *udp, size_t len)
{
	uint32_t sum = sum16(src.data(), 16) + sum16(dst.data(), 16);
	sum += static_cast<uint32_t>(len >> 16) + static_cast<uint32_t>(len & 0xffff) + 17;
	sum += sum16(udp, len);
	const uint16_t result = static_cast<uint16_t>(~fold(sum));
	return result == 0 ? 0xffff : result;
}

} // namespace

std::array<uint8_t, 16> ipv6(const char *text)
{
	std::array<uint8_t, 16> addr{};
	if (::inet_pton(AF_INET6, text, addr.data()) != 1)
		throw std::invalid_argument(text);
	return addr;
}

std::vector<uint8_t> Frame6::bytes() const
{
	std::vector<uint8_t> out{0x33, 0x33, dst[12], dst[13], dst[14], dst[15], // dst MAC
				 0x02, 0x00, 0x00, 0x00, 0x00, 0x01};            // src MAC
	if (vlan_tci) {
		put16(out, 0x8100);
		put16(out, *vlan_tci);
	}
	put16(out, 0x86dd);

	size_t ext_len = 0;
	for (const ExtHeader &h : ext)
		ext_len += h.type == nh_fragment ? 8 : h.length;
	const size_t udp_len = 8 + payload;
	const size_t l4_len = l4_bytes.value_or(udp_len);

	put32(out, uint32_t{version} << 28); // traffic class and flow label 0
	put16(out, payload_length.value_or(static_cast<uint16_t>(ext_len + l4_len)));
	out.push_back(ext.empty() ? upper : ext.front().type);
	out.push_back(64); // hop limit
	out.insert(out.end(), src.begin(), src.end());
	out.insert(out.end(), dst.begin(), dst.end());

	for (size_t i = 0; i < ext.size(); ++i) {
		const ExtHeader &h = ext[i];
		const uint8_t next = i + 1 < ext.size() ? ext[i + 1].type : upper;
		out.push_back(next);
		if (h.type == nh_fragment) {
			out.push_back(0);
			put16(out, h.frag_off);
			put32(out, 0x5678); // identification
			continue;
		}
		out.push_back(static_cast<uint8_t>(h.length / 8 - 1));
		if (h.type == nh_routing) {
			out.push_back(4); // segment routing type: any type will do
			out.push_back(h.segments_left);
			out.resize(out.size() + h.length - 4, 0);
		} else {
			// PadN options filling the rest (RFC 8200 4.2).
			for (size_t rest = h.length - 2; rest > 0;) {
				if (rest == 1) {
					out.push_back(0); // Pad1
					break;
				}
				const size_t n = std::min<size_t>(rest - 2, 255);
				out.push_back(1);
				out.push_back(static_cast<uint8_t>(n));
				out.resize(out.size() + n, 0);
				rest -= n + 2;
			}
		}
	}

	const size_t l4 = out.size();
	if (upper == nh_icmpv6 && icmpv6_type) {
		out.push_back(*icmpv6_type);
		out.push_back(0);  // code
		put16(out, 0);     // checksum: not checked by the program
		put32(out, 0);     // reserved / message fields
		out.resize(out.size() + payload, 0);
	} else {
		put16(out, sport);
		put16(out, dport);
		put16(out, udp_length.value_or(static_cast<uint16_t>(udp_len)));
		put16(out, 0);
		out.resize(out.size() + payload, 0xab);
		const uint16_t sum = udp_checksum.value_or(
			udp6_checksum(src, dst, &out[l4], out.size() - l4));
		out[l4 + 6] = static_cast<uint8_t>(sum >> 8);
		out[l4 + 7] = static_cast<uint8_t>(sum);
	}
	out.resize(l4 + l4_len);
	out.resize(out.size() + trailer, 0);
	if (cut)
		out.resize(std::min(out.size(), *cut));
	return out;
}

uint32_t ipv4(const char *dotted)
{
	in_addr addr{};
	if (::inet_pton(AF_INET, dotted, &addr) != 1)
		throw std::invalid_argument(dotted);
	return ntohl(addr.s_addr);
}

std::vector<uint8_t> Frame::bytes() const
{
	std::vector<uint8_t> out{0x01, 0x00, 0x5e, 0x01, 0x01, 0x01, // dst MAC
				 0x02, 0x00, 0x00, 0x00, 0x00, 0x01}; // src MAC
	if (vlan_tci) {
		put16(out, 0x8100);
		put16(out, *vlan_tci);
	}
	put16(out, ethertype);

	if (ethertype != 0x0800) {
		out.resize(out.size() + non_ip_length);
	} else {
		const size_t l3 = out.size();
		const size_t header_len = 20 + options;
		const size_t udp_len = 8 + payload;
		const size_t l4_len = l4_bytes.value_or(udp_len);

		out.push_back(static_cast<uint8_t>(version << 4 | ihl.value_or(header_len / 4)));
		out.push_back(0); // DSCP/ECN
		put16(out, total_length.value_or(static_cast<uint16_t>(header_len + l4_len)));
		put16(out, 0x1234); // identification
		put16(out, frag_off);
		out.push_back(64); // TTL
		out.push_back(protocol);
		put16(out, 0); // checksum, filled below
		put32(out, src);
		put32(out, dst);
		out.insert(out.end(), options, 0x01); // NOP options
		const uint16_t sum = ipv4_checksum(&out[l3], header_len);
		out[l3 + 10] = static_cast<uint8_t>(sum >> 8);
		out[l3 + 11] = static_cast<uint8_t>(sum);

		const size_t l4 = out.size();
		put16(out, sport);
		put16(out, dport);
		put16(out, udp_length.value_or(static_cast<uint16_t>(udp_len)));
		put16(out, 0); // no UDP checksum
		out.resize(out.size() + payload, 0xab);
		out.resize(l4 + l4_len);
	}
	out.resize(out.size() + trailer, 0);
	if (cut)
		out.resize(std::min(out.size(), *cut));
	return out;
}

} // namespace mcr::bpf::test
