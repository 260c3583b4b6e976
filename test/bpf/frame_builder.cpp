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

} // namespace

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
