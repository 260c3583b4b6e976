#include "traffic/address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>
#include <cstring>

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

bool parse_ipv6(std::string_view text, Ipv6 *addr)
{
	char buf[INET6_ADDRSTRLEN];
	if (text.empty() || text.size() >= sizeof(buf))
		return false;
	text.copy(buf, text.size());
	buf[text.size()] = '\0';
	in6_addr a;
	if (inet_pton(AF_INET6, buf, &a) != 1)
		return false;
	std::memcpy(addr->data(), a.s6_addr, addr->size());
	return true;
}

bool parse_ip(std::string_view text, IpAddress *addr)
{
	uint32_t v4;
	if (parse_ipv4(text, &v4)) {
		*addr = v4;
		return true;
	}
	Ipv6 v6;
	if (parse_ipv6(text, &v6)) {
		*addr = v6;
		return true;
	}
	return false;
}

bool parse_endpoint(std::string_view text, Endpoint *ep)
{
	const size_t colon = text.rfind(':');
	if (colon == std::string_view::npos)
		return false;
	IpAddress addr;
	const std::string_view host = text.substr(0, colon);
	if (host.starts_with('[')) {
		// IPv6 only in brackets: "ff3e::1:5000" would be ambiguous.
		Ipv6 v6;
		if (!host.ends_with(']') || !parse_ipv6(host.substr(1, host.size() - 2), &v6))
			return false;
		addr = v6;
	} else {
		uint32_t v4;
		if (!parse_ipv4(host, &v4))
			return false;
		addr = v4;
	}
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

std::string format_ip(const IpAddress &addr)
{
	if (const auto *v4 = std::get_if<uint32_t>(&addr))
		return format_ipv4(*v4);
	char buf[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, std::get<Ipv6>(addr).data(), buf, sizeof(buf));
	return buf;
}

std::string format_endpoint(const IpAddress &addr, uint16_t port)
{
	if (is_ipv6(addr))
		return "[" + format_ip(addr) + "]:" + std::to_string(port);
	return format_ip(addr) + ":" + std::to_string(port);
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

MacAddress multicast_mac(const Ipv6 &group)
{
	return {0x33, 0x33, group[12], group[13], group[14], group[15]};
}

MacAddress multicast_mac(const IpAddress &group)
{
	return std::visit([](const auto &g) { return multicast_mac(g); }, group);
}

bool address_plus(const IpAddress &addr, uint64_t n, IpAddress *out)
{
	if (const auto *v4 = std::get_if<uint32_t>(&addr)) {
		if (n > UINT32_MAX - *v4)
			return false;
		*out = static_cast<uint32_t>(*v4 + n);
		return true;
	}
	// 128-bit big-endian addition, one byte at a time.
	Ipv6 v6 = std::get<Ipv6>(addr);
	for (int i = 15; i >= 0 && n != 0; i--) {
		const uint64_t sum = v6[i] + (n & 0xff);
		v6[i] = static_cast<uint8_t>(sum);
		n = (n >> 8) + (sum >> 8);
		if (i == 0 && n != 0)
			return false;
	}
	*out = v6;
	return true;
}

} // namespace mcr::traffic
