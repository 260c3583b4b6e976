// A second, deliberately plain reading of IPv6 UDP datagrams, written from
// the rules in lib/packet/parse_ipv6.h rather than from its code: byte by
// byte, big-endian arithmetic, no DPDK types. fuzz_packet holds
// parse_ipv6_frame and udp_checksum_ipv6_ok against it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "packet/drop_reason.h"
#include "reference_frame.h"

namespace mcr::fuzz {

// Fields of an accepted datagram, host order.
struct RefDatagram6 {
	size_t l3 = 0;
	size_t l4 = 0;
	size_t total = 0; // 40 + payload length
	uint8_t hop_limit = 0;
	std::array<uint8_t, 16> src{};
	std::array<uint8_t, 16> dst{};
	uint16_t sport = 0;
	uint16_t dport = 0;
	uint16_t udp_len = 0;
	uint16_t udp_cksum = 0;

	size_t payload_offset() const { return l4 + 8; }
	size_t payload_len() const { return l3 + total - l4 - 8; }
};

// The verdict parse_ipv6_frame must give for the IPv6 header at l3.
packet::DropReason reference_parse_ipv6(std::span<const uint8_t> frame, size_t l3,
					RefDatagram6 *out);

// RFC 8200 8.1 over the udp_len bytes of the datagram. absent: field 0.
UdpChecksum udp6_checksum_state(std::span<const uint8_t> frame, const RefDatagram6 &ref);

} // namespace mcr::fuzz
