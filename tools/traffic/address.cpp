#include "traffic/address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>

namespace mcr::traffic {

bool parse_ipv4(std::string_view text, uint32_t *addr)
{
	// inet_pton takes exactly dotted quads (no "1.2.3" shorthands).
	char buf[INET_ADDRSTRLEN];
	if (text.empty() || text.size() >= sizeof(buf))
		return false;
	text.copy(buf, text.size());
	buf[text.size()] = '\0';
	in_addr a;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return false;
	*addr = ntohl(a.s_addr);
	return true;
}

bool parse_endpoint(std::string_view text, Endpoint *ep)
{
	const size_t colon = text.rfind(':');
	if (colon == std::string_view::npos)
		return false;
	uint32_t addr;
	if (!parse_ipv4(text.substr(0, colon), &addr))
		return false;
	const std::string_view port_text = text.substr(colon + 1);
	unsigned port = 0;
	const auto [end, ec] =
		std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
	if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
	    port > 65535)
		return false;
	ep->addr = addr;
	ep->port = static_cast<uint16_t>(port);
	return true;
}

bool parse_mac(std::string_view text, MacAddress *mac)
{
	if (text.size() != 17)
		return false;
	for (size_t i = 0; i < 6; i++) {
		if (i > 0 && text[i * 3 - 1] != ':')
			return false;
		const char *p = text.data() + i * 3;
		unsigned byte = 0;
		const auto [end, ec] = std::from_chars(p, p + 2, byte, 16);
		if (ec != std::errc() || end != p + 2)
			return false;
		(*mac)[i] = static_cast<uint8_t>(byte);
	}
	return true;
}

std::string format_ipv4(uint32_t addr)
{
	char buf[INET_ADDRSTRLEN];
	std::snprintf(buf, sizeof(buf), "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
		      (addr >> 8) & 0xff, addr & 0xff);
	return buf;
}

std::string format_endpoint(uint32_t addr, uint16_t port)
{
	return format_ipv4(addr) + ":" + std::to_string(port);
}

std::string format_mac(const MacAddress &m)
{
	char buf[18];
	std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		      m[4], m[5]);
	return buf;
}

MacAddress multicast_mac(uint32_t group)
{
	return {0x01, 0x00, 0x5e, static_cast<uint8_t>((group >> 16) & 0x7f),
		static_cast<uint8_t>(group >> 8), static_cast<uint8_t>(group)};
}

} // namespace mcr::traffic
