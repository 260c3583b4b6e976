// IPv4 addresses, UDP endpoints and MAC addresses as the tools take them
// on the command line and print them. Addresses are kept in host order.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mcr::traffic {

struct Endpoint {
	uint32_t addr = 0; // host order
	uint16_t port = 0;
};

using MacAddress = std::array<uint8_t, 6>;

// "A.B.C.D"; false on anything else.
bool parse_ipv4(std::string_view text, uint32_t *addr);
// "A.B.C.D:PORT" with PORT 1..65535.
bool parse_endpoint(std::string_view text, Endpoint *ep);
// "aa:bb:cc:dd:ee:ff".
bool parse_mac(std::string_view text, MacAddress *mac);

std::string format_ipv4(uint32_t addr);
std::string format_endpoint(uint32_t addr, uint16_t port);
std::string format_mac(const MacAddress &mac);

inline bool is_multicast(uint32_t addr)
{
	return (addr >> 28) == 0xe;
}

// The Ethernet address a group is sent to (RFC 1112 section 6.4):
// 01:00:5e and the group's low 23 bits.
MacAddress multicast_mac(uint32_t group);

} // namespace mcr::traffic
