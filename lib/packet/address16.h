// An address of either family as 16 network-order bytes, IPv4 in the last
// four: the same bit counts from the right for both families, so carrying
// the host bits of one prefix into another (IPv4 into IPv6 too) is one
// walk over bytes, and the checksum sum of an IPv4 address is the sum of
// its Address16 (the twelve leading zeros add nothing).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

namespace mcr::packet {

using Address16 = std::array<uint8_t, 16>;

inline Address16 address16_from_ipv4(uint32_t ip_be)
{
	Address16 a{};
	std::memcpy(a.data() + 12, &ip_be, 4);
	return a;
}

inline uint32_t ipv4_of(const Address16 &a)
{
	uint32_t ip_be;
	std::memcpy(&ip_be, a.data() + 12, 4);
	return ip_be;
}

// to with its low `bits` bits replaced by from's.
inline Address16 with_low_bits(Address16 to, const Address16 &from, unsigned bits)
{
	for (int i = 15; bits != 0 && i >= 0; i--) {
		const unsigned n = bits < 8 ? bits : 8;
		const auto mask = static_cast<uint8_t>((1u << n) - 1);
		to[i] = static_cast<uint8_t>((to[i] & ~mask) | (from[i] & mask));
		bits -= n;
	}
	return to;
}

} // namespace mcr::packet
