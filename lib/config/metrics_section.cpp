// metrics: where the Prometheus endpoint listens and how many rules it
// exports one series each.
#include <arpa/inet.h>

#include <array>
#include <charconv>

#include <fmt/format.h>

#include "config/sections.h"

namespace mcr::config::detail {

namespace {

using namespace std::string_view_literals;

constexpr std::array metrics_keys = {"listen"sv, "max_rules"sv};

bool is_numeric_address(const std::string &text, int family)
{
	std::array<unsigned char, 16> buf;
	return inet_pton(family, text.c_str(), buf.data()) == 1;
}

// "ADDR:PORT" with a numeric IPv4 address, or "[IPV6]:PORT". Host names are
// refused: what is bound must not depend on a resolver at start.
void read_listen(Diagnostics &diagnostics, const Value &value, Metrics &metrics)
{
	auto text = read_string(diagnostics, value);
	if (!text)
		return;
	const auto bad = [&](std::string why) {
		diagnostics.add(value.where,
				fmt::format("invalid 'listen' address '{}': {} (expected ADDR:PORT, e.g. "
					    "127.0.0.1:9464 or [::1]:9464)",
					    *text, why));
	};
	const size_t colon = text->rfind(':');
	if (colon == std::string::npos)
		return bad("no ':PORT'");
	std::string host = text->substr(0, colon);
	const std::string port_text = text->substr(colon + 1);
	int family = AF_INET;
	if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
		host = host.substr(1, host.size() - 2);
		family = AF_INET6;
	} else if (host.find(':') != std::string::npos) {
		return bad("an IPv6 address goes in brackets");
	}
	if (!is_numeric_address(host, family))
		return bad(fmt::format("'{}' is not a numeric {} address", host,
				       family == AF_INET ? "IPv4" : "IPv6"));
	unsigned port = 0;
	const auto [end, ec] =
		std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
	if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
	    port < limits::udp_port.min || port > limits::udp_port.max)
		return bad(fmt::format("port '{}' is not 1 to 65535", port_text));
	metrics.address = host;
	metrics.port = static_cast<uint16_t>(port);
}

} // namespace

Metrics read_metrics(Diagnostics &diagnostics, const Value &metrics)
{
	Metrics read;
	if (!expect_map(diagnostics, metrics))
		return read;
	MapReader map(diagnostics, metrics.node, "metrics", metrics_keys);
	read.where = map.where();
	if (auto listen = map.require("listen"))
		read_listen(diagnostics, *listen, read);
	read_int_field(diagnostics, map, "max_rules", limits::metrics_max_rules, read.max_rules);
	return read;
}

} // namespace mcr::config::detail
