// ports: the kernel interfaces mcr relays between.
#include <array>

#include <fmt/format.h>

#include "config/address.h"
#include "config/names.h"
#include "config/sections.h"

namespace mcr::config::detail {

namespace {

using namespace std::string_view_literals;

constexpr std::array port_keys = {"name"sv,    "iface"sv,  "driver"sv,    "queues"sv,
				  "address"sv, "af_xdp"sv, "af_packet"sv, "xdp"sv,
				  "udp_checksum"sv};
constexpr std::array af_xdp_keys = {"zero_copy"sv, "busy_budget"sv, "set_channels"sv};
constexpr std::array af_packet_keys = {"block_size"sv, "frame_size"sv, "frame_count"sv,
				       "qdisc_bypass"sv};
constexpr std::array xdp_keys = {"mode"sv, "filter"sv};

constexpr std::array drivers = {std::pair{"af_xdp"sv, Driver::af_xdp},
				std::pair{"af_packet"sv, Driver::af_packet},
				std::pair{"auto"sv, Driver::automatic}};
constexpr std::array zero_copy_modes = {std::pair{"auto"sv, ZeroCopy::automatic},
					std::pair{"true"sv, ZeroCopy::on},
					std::pair{"false"sv, ZeroCopy::off}};
constexpr std::array xdp_modes = {std::pair{"native"sv, XdpMode::native},
				  std::pair{"generic"sv, XdpMode::generic},
				  std::pair{"auto"sv, XdpMode::automatic}};
constexpr std::array udp_checksum_modes = {std::pair{"keep"sv, UdpChecksum::keep},
					   std::pair{"verify"sv, UdpChecksum::verify}};
constexpr std::array xdp_filters = {std::pair{"normal"sv, XdpFilter::normal},
				    std::pair{"strict"sv, XdpFilter::strict}};

template <typename Enum, size_t N>
void read_enum_field(Diagnostics &diagnostics, const MapReader &map, std::string_view key,
		     const std::array<std::pair<std::string_view, Enum>, N> &names, Enum &field)
{
	if (auto value = map.get(key))
		if (auto chosen = read_enum(diagnostics, *value, names))
			field = *chosen;
}

void read_af_xdp(Diagnostics &diagnostics, const Value &value, AfXdpOptions &options)
{
	if (!expect_map(diagnostics, value))
		return;
	MapReader map(diagnostics, value.node, "af_xdp", af_xdp_keys);
	read_enum_field(diagnostics, map, "zero_copy", zero_copy_modes, options.zero_copy);
	read_int_field(diagnostics, map, "busy_budget", limits::busy_budget, options.busy_budget);
	if (auto set = map.get("set_channels"))
		if (auto on = read_bool(diagnostics, *set))
			options.set_channels = *on;
}

bool is_power_of_two(uint32_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

// The kernel's packet ring rules (packet_set_ring): frames do not cross
// blocks and the ring is whole blocks.
void check_packet_ring(Diagnostics &diagnostics, const MapReader &map, const AfPacketOptions &ring)
{
	// A default is never wrong on its own, but may be in combination: point
	// at the map then.
	auto where = [&](std::string_view key) {
		return map.get(key) ? map.get(key)->where : map.where();
	};
	bool shape_ok = true;
	if (!is_power_of_two(ring.block_size)) {
		diagnostics.add(where("block_size"),
				fmt::format("'block_size' must be a power of two, got {}",
					    ring.block_size));
		shape_ok = false;
	}
	if (ring.frame_size % limits::frame_alignment != 0) {
		diagnostics.add(where("frame_size"),
				fmt::format("'frame_size' must be a multiple of {}, got {}",
					    limits::frame_alignment, ring.frame_size));
		shape_ok = false;
	}
	if (!shape_ok)
		return;
	if (ring.frame_size > ring.block_size) {
		diagnostics.add(where("frame_size"),
				fmt::format("'frame_size' ({}) must not exceed 'block_size' ({})",
					    ring.frame_size, ring.block_size));
		return;
	}
	// DPDK 22.11's af_packet PMD finds frame i at i x frame_size, as if
	// blocks had no padding at their end: with any, it reads the wrong
	// bytes and stalls after the first frame.
	if (ring.block_size % ring.frame_size != 0) {
		diagnostics.add(where("frame_size"),
				fmt::format("'frame_size' ({}) must divide 'block_size' ({}) (so it is "
					    "a power of two): the af_packet PMD assumes frames lie "
					    "back to back",
					    ring.frame_size, ring.block_size));
		return;
	}
	uint32_t frames_per_block = ring.block_size / ring.frame_size;
	if (ring.frame_count % frames_per_block != 0) {
		diagnostics.add(
			where("frame_count"),
			fmt::format("'frame_count' ({}) must be a multiple of the {} frames per "
				    "block ('block_size' / 'frame_size')",
				    ring.frame_count, frames_per_block));
	}
}

void read_af_packet(Diagnostics &diagnostics, const Value &value, AfPacketOptions &options)
{
	if (!expect_map(diagnostics, value))
		return;
	MapReader map(diagnostics, value.node, "af_packet", af_packet_keys);
	bool ok = read_int_field(diagnostics, map, "block_size", limits::block_size,
				 options.block_size);
	ok &= read_int_field(diagnostics, map, "frame_size", limits::frame_size,
			     options.frame_size);
	ok &= read_int_field(diagnostics, map, "frame_count", limits::frame_count,
			     options.frame_count);
	if (auto bypass = map.get("qdisc_bypass"))
		if (auto on = read_bool(diagnostics, *bypass))
			options.qdisc_bypass = *on;
	if (ok)
		check_packet_ring(diagnostics, map, options);
}

void read_xdp(Diagnostics &diagnostics, const Value &value, XdpOptions &options)
{
	if (!expect_map(diagnostics, value))
		return;
	MapReader map(diagnostics, value.node, "xdp", xdp_keys);
	read_enum_field(diagnostics, map, "mode", xdp_modes, options.mode);
	read_enum_field(diagnostics, map, "filter", xdp_filters, options.filter);
}

void read_iface(Diagnostics &diagnostics, const Value &value, const std::vector<Port> &earlier,
		Port &port)
{
	auto iface = read_string(diagnostics, value);
	if (!iface)
		return;
	port.iface = *iface;
	if (!is_valid_iface_name(*iface)) {
		diagnostics.add(
			value.where,
			fmt::format("invalid interface name '{}' (expected 1 to {} characters, "
				    "none of them '/', ':' or whitespace)",
				    *iface, limits::max_iface_name));
		return;
	}
	// Each port attaches its own XDP program and queues to the interface.
	for (const auto &other : earlier)
		if (other.iface == *iface)
			diagnostics.add(value.where,
					fmt::format("interface '{}' is already used by port '{}'",
						    *iface, other.name));
}

// `address`: one unicast address of either family, or a list of at most
// one per family.
void read_address(Diagnostics &diagnostics, const Value &value, Port &port)
{
	std::vector<Value> items;
	if (value.node.IsSequence()) {
		items = list_items(diagnostics, value);
		if (items.empty() || items.size() > 2)
			diagnostics.add(value.where,
					fmt::format("'address' lists {} addresses: one, or one IPv4 "
						    "and one IPv6, expected",
						    items.size()));
	} else {
		items.push_back(value);
	}
	for (const Value &item : items) {
		const auto text = read_string(diagnostics, item);
		if (!text)
			continue;
		const auto address = parse_ip_address(*text);
		if (!address) {
			diagnostics.add(item.where,
					fmt::format("invalid IPv4 or IPv6 address '{}'", *text));
			continue;
		}
		if (const auto *v4 = std::get_if<Ipv4>(&*address)) {
			if (!is_ipv4_unicast(*v4))
				diagnostics.add(item.where,
						fmt::format("'address' must be a unicast address, got {}",
							    *text));
			else if (port.address)
				diagnostics.add(item.where, "'address' lists two IPv4 addresses; a "
							    "port has one of each family");
			else
				port.address = *v4;
		} else {
			const Ipv6 &v6 = std::get<Ipv6>(*address);
			if (!is_ipv6_unicast(v6))
				diagnostics.add(item.where,
						fmt::format("'address' must be a unicast address, got {}",
							    *text));
			else if (port.address6)
				diagnostics.add(item.where, "'address' lists two IPv6 addresses; a "
							    "port has one of each family");
			else
				port.address6 = v6;
		}
	}
}

// A port is returned when it has a name, even with other problems, so that
// rules naming it are not also reported as naming an unknown port.
std::optional<Port> read_port(Diagnostics &diagnostics, const Value &item,
			      const std::vector<Port> &earlier)
{
	if (!expect_map(diagnostics, item))
		return std::nullopt;
	MapReader map(diagnostics, item.node, "port", port_keys);
	Port port;
	port.where = map.where();

	std::optional<std::string> name;
	if (auto value = map.require("name")) {
		name = read_string(diagnostics, *value);
		if (name && !is_valid_name(*name, limits::max_port_name))
			diagnostics.add(
				value->where,
				fmt::format("invalid port name '{}' (expected 1 to {} letters, "
					    "digits, '_' or '-')",
					    *name, limits::max_port_name));
	}
	if (auto value = map.require("iface"))
		read_iface(diagnostics, *value, earlier, port);
	read_enum_field(diagnostics, map, "driver", drivers, port.driver);
	read_int_field(diagnostics, map, "queues", limits::queues, port.queues);
	if (auto value = map.get("address"))
		read_address(diagnostics, *value, port);
	if (auto value = map.get("af_xdp"))
		read_af_xdp(diagnostics, *value, port.af_xdp);
	if (auto value = map.get("af_packet"))
		read_af_packet(diagnostics, *value, port.af_packet);
	if (auto value = map.get("xdp"))
		read_xdp(diagnostics, *value, port.xdp);
	read_enum_field(diagnostics, map, "udp_checksum", udp_checksum_modes, port.udp_checksum);

	if (!name)
		return std::nullopt;
	port.name = *name;
	for (const auto &other : earlier) {
		if (other.name == port.name) {
			diagnostics.add(
				port.where,
				fmt::format("duplicate port name '{}' (first defined at {})",
					    port.name, format_location(other.where)));
			return std::nullopt;
		}
	}
	return port;
}

} // namespace

std::vector<Port> read_ports(Diagnostics &diagnostics, const Value &ports)
{
	std::vector<Port> read;
	if (!expect_list(diagnostics, ports))
		return read;
	if (ports.node.size() == 0)
		diagnostics.add(ports.where, "'ports' must list at least one port");
	for (const auto &item : list_items(diagnostics, ports))
		if (auto port = read_port(diagnostics, item, read))
			read.push_back(std::move(*port));
	return read;
}

} // namespace mcr::config::detail
