// IP addresses of either family, UDP endpoints and MAC addresses as the
// tools take them on the command line and print them. IPv4 addresses are
// kept in host order (as they always were here), IPv6 addresses as on the
// wire (network order), the same types as lib/config's Ipv4 and Ipv6.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace mcr::traffic {

using Ipv6 = std::array<uint8_t, 16>;
// uint32_t: IPv4, host order. Ordered IPv4 before IPv6 (std::variant's <).
using IpAddress = std::variant<uint32_t, Ipv6>;

struct Endpoint {
	IpAddress addr = uint32_t{0};
	uint16_t port = 0;

	bool operator==(const Endpoint &) const = default;
};

using MacAddress = std::array<uint8_t, 6>;

// "A.B.C.D"; false on anything else.
bool parse_ipv4(std::string_view text, uint32_t *addr);
// RFC 4291 text ("ff3e::1:1", "2001:2::10"); no zone, no brackets.
bool parse_ipv6(std::string_view text, Ipv6 *addr);
// Either family.
bool parse_ip(std::string_view text, IpAddress *addr);
// "A.B.C.D:PORT" or "[IPV6]:PORT" with PORT 1..65535.
bool parse_endpoint(std::string_view text, Endpoint *ep);
// "aa:bb:cc:dd:ee:ff".
bool parse_mac(std::string_view text, MacAddress *mac);

std::string format_ipv4(uint32_t addr);
std::string format_ip(const IpAddress &addr);
// "A.B.C.D:PORT" or "[IPV6]:PORT": what parse_endpoint reads.
std::string format_endpoint(const IpAddress &addr, uint16_t port);
std::string format_mac(const MacAddress &mac);

inline bool is_ipv6(const IpAddress &addr)
{
	return std::holds_alternative<Ipv6>(addr);
}

inline bool is_multicast(uint32_t addr)
{
	return (addr >> 28) == 0xe;
}

inline bool is_multicast(const IpAddress &addr)
{
	if (const auto *v6 = std::get_if<Ipv6>(&addr))
		return (*v6)[0] == 0xff;
	return is_multicast(std::get<uint32_t>(addr));
}

// The Ethernet address a group is sent to: for IPv4 01:00:5e and the
// group's low 23 bits (RFC 1112 section 6.4), for IPv6 33:33 and its last
// four bytes (RFC 2464 section 7).
MacAddress multicast_mac(uint32_t group);
MacAddress multicast_mac(const Ipv6 &group);
MacAddress multicast_mac(const IpAddress &group);

// The address n after addr in the same family (a range's n-th member);
// false when that passes the family's last address.
bool address_plus(const IpAddress &addr, uint64_t n, IpAddress *out);

} // namespace mcr::traffic
