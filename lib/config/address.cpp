#include "config/address.h"

#include <charconv>

#include <fmt/format.h>

namespace mcr::config {

namespace {

std::optional<uint8_t> parse_octet(std::string_view text)
{
	if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0'))
		return std::nullopt;
	unsigned value = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	if (ec != std::errc() || end != text.data() + text.size() || value > 255)
		return std::nullopt;
	return static_cast<uint8_t>(value);
}

std::optional<uint8_t> parse_hex_byte(std::string_view text)
{
	if (text.size() != 2)
		return std::nullopt;
	unsigned value = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + 2, value, 16);
	if (ec != std::errc() || end != text.data() + 2)
		return std::nullopt;
	return static_cast<uint8_t>(value);
}

} // namespace

std::optional<Ipv4> parse_ipv4(std::string_view text)
{
	Ipv4 address = 0;
	for (int i = 0; i < 4; i++) {
		size_t dot = text.find('.');
		bool last = i == 3;
		if (last != (dot == std::string_view::npos))
			return std::nullopt;
		auto octet = parse_octet(text.substr(0, dot));
		if (!octet)
			return std::nullopt;
		address = address << 8 | *octet;
		text.remove_prefix(last ? text.size() : dot + 1);
	}
	return address;
}

std::string format_ipv4(Ipv4 address)
{
	return fmt::format("{}.{}.{}.{}", address >> 24, address >> 16 & 0xff, address >> 8 & 0xff,
			   address & 0xff);
}

std::optional<Mac> parse_mac(std::string_view text)
{
	// Exactly "xx:xx:xx:xx:xx:xx".
	if (text.size() != 17)
		return std::nullopt;
	Mac mac{};
	for (size_t i = 0; i < mac.size(); i++) {
		if (i > 0 && text[i * 3 - 1] != ':')
			return std::nullopt;
		auto byte = parse_hex_byte(text.substr(i * 3, 2));
		if (!byte)
			return std::nullopt;
		mac[i] = *byte;
	}
	return mac;
}

std::string format_mac(const Mac &mac)
{
	return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", mac[0], mac[1], mac[2],
			   mac[3], mac[4], mac[5]);
}

bool is_ipv4_multicast(Ipv4 address)
{
	return (address >> 28) == 0xe;
}

bool is_ipv4_unicast(Ipv4 address)
{
	uint8_t first = address >> 24;
	return first != 0 && first != 127 && first < 224;
}

bool is_mac_unicast(const Mac &mac)
{
	bool all_zero = true;
	for (uint8_t byte : mac)
		all_zero = all_zero && byte == 0;
	return !all_zero && (mac[0] & 1) == 0;
}

} // namespace mcr::config
