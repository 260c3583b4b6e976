#include "config/address.h"

#include <algorithm>
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

// Colon-separated groups of one side of "::" (or of a whole address
// without one) into groups[0, max): their count, or nullopt. Empty text
// is no groups. The last piece may be a dotted quad when ipv4_tail, as
// two groups.
std::optional<size_t> parse_ipv6_groups(std::string_view text, bool ipv4_tail, uint16_t *groups,
					size_t max)
{
	size_t n = 0;
	while (!text.empty()) {
		const size_t colon = text.find(':');
		const bool last = colon == std::string_view::npos;
		const std::string_view piece = text.substr(0, colon);
		if (last && ipv4_tail && piece.find('.') != std::string_view::npos) {
			const auto v4 = parse_ipv4(piece);
			if (!v4 || n + 2 > max)
				return std::nullopt;
			groups[n++] = static_cast<uint16_t>(*v4 >> 16);
			groups[n++] = static_cast<uint16_t>(*v4);
			return n;
		}
		if (piece.empty() || piece.size() > 4 || n == max)
			return std::nullopt;
		unsigned value = 0;
		auto [end, ec] = std::from_chars(piece.data(), piece.data() + piece.size(), value, 16);
		if (ec != std::errc() || end != piece.data() + piece.size())
			return std::nullopt;
		groups[n++] = static_cast<uint16_t>(value);
		if (last)
			break;
		text.remove_prefix(colon + 1);
		if (text.empty()) // a trailing ':'
			return std::nullopt;
	}
	return n;
}

// Decimal without sign or leading zeros, at most max.
std::optional<unsigned> parse_prefix_length(std::string_view text, unsigned max)
{
	if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0'))
		return std::nullopt;
	unsigned value = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	if (ec != std::errc() || end != text.data() + text.size() || value > max)
		return std::nullopt;
	return value;
}

Ipv4 ipv4_mask(unsigned length)
{
	return length == 0 ? 0 : ~Ipv4{0} << (32 - length);
}

Ipv6 ipv6_mask(unsigned length)
{
	Ipv6 mask{};
	for (size_t i = 0; i < mask.size(); i++) {
		const unsigned bits = length > i * 8 ? std::min(length - unsigned(i * 8), 8u) : 0;
		mask[i] = static_cast<uint8_t>(0xff00 >> bits);
	}
	return mask;
}

Ipv6 masked(Ipv6 address, const Ipv6 &mask)
{
	for (size_t i = 0; i < address.size(); i++)
		address[i] &= mask[i];
	return address;
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

std::optional<Ipv6> parse_ipv6(std::string_view text)
{
	uint16_t groups[8] = {};
	const size_t gap = text.find("::");
	if (gap == std::string_view::npos) {
		const auto n = parse_ipv6_groups(text, true, groups, 8);
		if (!n || *n != 8)
			return std::nullopt;
	} else {
		// "::" stands for at least one zero group: seven groups around it
		// at most. A second "::" leaves an empty piece in the tail.
		uint16_t tail[7] = {};
		const auto head_n = parse_ipv6_groups(text.substr(0, gap), false, groups, 7);
		const auto tail_n = parse_ipv6_groups(text.substr(gap + 2), true, tail, 7);
		if (!head_n || !tail_n || *head_n + *tail_n > 7)
			return std::nullopt;
		std::copy(tail, tail + *tail_n, groups + 8 - *tail_n);
	}
	Ipv6 address;
	for (size_t i = 0; i < 8; i++) {
		address[2 * i] = static_cast<uint8_t>(groups[i] >> 8);
		address[2 * i + 1] = static_cast<uint8_t>(groups[i]);
	}
	return address;
}

std::string format_ipv6(const Ipv6 &address)
{
	static constexpr uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (std::equal(mapped_prefix, mapped_prefix + 12, address.begin()))
		return "::ffff:" + format_ipv4(Ipv4{address[12]} << 24 | Ipv4{address[13]} << 16 |
					       Ipv4{address[14]} << 8 | address[15]);
	uint16_t groups[8];
	for (size_t i = 0; i < 8; i++)
		groups[i] = static_cast<uint16_t>(address[2 * i] << 8 | address[2 * i + 1]);
	// The longest run of zero groups, the first one of equal length.
	size_t best = 8, best_len = 0;
	for (size_t i = 0; i < 8;) {
		size_t j = i;
		while (j < 8 && groups[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j == i ? i + 1 : j;
	}
	if (best_len < 2) // a single zero group stays "0" (RFC 5952 4.2.2)
		best = 8;
	std::string out;
	for (size_t i = 0; i < 8; i++) {
		if (i == best) {
			out += "::";
			i += best_len - 1;
			continue;
		}
		if (!out.empty() && out.back() != ':')
			out += ':';
		out += fmt::format("{:x}", groups[i]);
	}
	return out;
}

bool is_ipv6_multicast(const Ipv6 &address)
{
	return address[0] == 0xff;
}

Ipv6Scope ipv6_multicast_scope(const Ipv6 &group)
{
	return static_cast<Ipv6Scope>(group[1] & 0x0f);
}

bool ipv6_group_relayable(const Ipv6 &group)
{
	if (!is_ipv6_multicast(group))
		return false;
	const Ipv6Scope scope = ipv6_multicast_scope(group);
	return scope != Ipv6Scope::reserved && scope != Ipv6Scope::interface_local &&
	       scope != Ipv6Scope::link_local;
}

bool is_ipv6_unicast(const Ipv6 &address)
{
	static constexpr Ipv6 unspecified{};
	static constexpr Ipv6 loopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static constexpr uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return address != unspecified && address != loopback && !is_ipv6_multicast(address) &&
	       !std::equal(mapped_prefix, mapped_prefix + 12, address.begin());
}

bool is_ipv6_link_local(const Ipv6 &address)
{
	return address[0] == 0xfe && (address[1] & 0xc0) == 0x80;
}

std::optional<IpAddress> parse_ip_address(std::string_view text)
{
	if (text.find(':') != std::string_view::npos) {
		if (auto v6 = parse_ipv6(text))
			return IpAddress{*v6};
		return std::nullopt;
	}
	if (auto v4 = parse_ipv4(text))
		return IpAddress{*v4};
	return std::nullopt;
}

std::string format_ip_address(const IpAddress &address)
{
	if (const auto *v4 = std::get_if<Ipv4>(&address))
		return format_ipv4(*v4);
	return format_ipv6(std::get<Ipv6>(address));
}

std::optional<Prefix> parse_prefix(std::string_view text, std::string &error)
{
	const size_t slash = text.find('/');
	if (slash == std::string_view::npos) {
		error = fmt::format("'{}' is not a prefix: ADDRESS/LENGTH expected, as in "
				    "239.1.0.0/16 or ff3e::/96",
				    text);
		return std::nullopt;
	}
	const std::string_view address_text = text.substr(0, slash);
	const auto address = parse_ip_address(address_text);
	if (!address) {
		error = fmt::format("'{}' is not an IPv4 or IPv6 address", address_text);
		return std::nullopt;
	}
	const bool v4 = std::holds_alternative<Ipv4>(*address);
	const unsigned max = v4 ? 32 : 128;
	const auto length = parse_prefix_length(text.substr(slash + 1), max);
	if (!length) {
		error = fmt::format("'{}' is not a prefix length: 0..{} for {}", text.substr(slash + 1),
				    max, v4 ? "IPv4" : "IPv6");
		return std::nullopt;
	}
	Prefix prefix{*address, static_cast<uint8_t>(*length)};
	IpAddress network;
	if (v4)
		network = std::get<Ipv4>(*address) & ipv4_mask(*length);
	else
		network = masked(std::get<Ipv6>(*address), ipv6_mask(*length));
	if (network != prefix.address) {
		error = fmt::format("{} has bits set past /{}; did you mean {}/{}?", text, *length,
				    format_ip_address(network), *length);
		return std::nullopt;
	}
	return prefix;
}

std::string format_prefix(const Prefix &prefix)
{
	return fmt::format("{}/{}", format_ip_address(prefix.address), prefix.length);
}

bool prefix_contains(const Prefix &prefix, const IpAddress &address)
{
	if (prefix.address.index() != address.index())
		return false;
	if (const auto *v4 = std::get_if<Ipv4>(&address))
		return (*v4 & ipv4_mask(prefix.length)) == std::get<Ipv4>(prefix.address);
	return masked(std::get<Ipv6>(address), ipv6_mask(prefix.length)) ==
	       std::get<Ipv6>(prefix.address);
}

std::optional<Prefix> parse_host_or_prefix(std::string_view text, std::string &error)
{
	if (text.find('/') != std::string_view::npos)
		return parse_prefix(text, error);
	if (auto address = parse_ip_address(text))
		return Prefix::host(*address);
	error = fmt::format("'{}' is not an IPv4 or IPv6 address or prefix", text);
	return std::nullopt;
}

std::string format_host_or_prefix(const Prefix &prefix)
{
	return prefix.is_host() ? format_ip_address(prefix.address) : format_prefix(prefix);
}

bool is_multicast_prefix(const Prefix &prefix)
{
	if (const auto *v4 = std::get_if<Ipv4>(&prefix.address))
		return prefix.length >= 4 && is_ipv4_multicast(*v4);
	return prefix.length >= 8 && is_ipv6_multicast(std::get<Ipv6>(prefix.address));
}

std::optional<PortRange> parse_port_range(std::string_view text, std::string &error)
{
	if (text == "any")
		return PortRange::any();
	const auto port = [](std::string_view digits) -> std::optional<uint16_t> {
		if (digits.empty() || digits.size() > 5 || (digits.size() > 1 && digits[0] == '0'))
			return std::nullopt;
		unsigned value = 0;
		auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
		if (ec != std::errc() || end != digits.data() + digits.size() || value > 65535)
			return std::nullopt;
		return static_cast<uint16_t>(value);
	};
	const size_t dash = text.find('-');
	const auto first = port(text.substr(0, dash));
	const auto last = dash == std::string_view::npos ? first : port(text.substr(dash + 1));
	if (!first || !last) {
		error = fmt::format("'{}' is not a UDP port (1..65535), 'any' or a range FIRST-LAST "
				    "as in 5000-5099",
				    text);
		return std::nullopt;
	}
	if (*first == 0 || *last == 0) {
		error = fmt::format("{} holds port 0, which is no UDP destination port; 'any' "
				    "matches every port",
				    text);
		return std::nullopt;
	}
	if (*first > *last) {
		error = fmt::format("port range {} is reversed; did you mean {}-{}?", text, *last,
				    *first);
		return std::nullopt;
	}
	return PortRange{*first, *last};
}

std::string format_port_range(const PortRange &range)
{
	if (range.is_any())
		return "any";
	if (range.is_single())
		return fmt::format("{}", range.first);
	return fmt::format("{}-{}", range.first, range.last);
}

bool is_mac_unicast(const Mac &mac)
{
	bool all_zero = true;
	for (uint8_t byte : mac)
		all_zero = all_zero && byte == 0;
	return !all_zero && (mac[0] & 1) == 0;
}

} // namespace mcr::config
