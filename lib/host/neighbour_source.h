// What the publisher needs to know about the kernel's neighbours and
// routes to address a unicast output, behind one interface: the netlink
// implementation (lib/host/netlink_neighbours) on a host, a fake in tests.
// Addresses are of either family (host/ip_address.h: IPv4 in host order,
// IPv6 in network order, as lib/config holds them), one code path for
// both; interfaces are kernel ifindexes.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>

#include "host/ip_address.h"

namespace mcr::host {

using Mac = std::array<uint8_t, 6>;

// Where the kernel would send a datagram for a destination: the
// destination itself when it is on-link, otherwise the route's gateway.
// The gateway's family may differ from the destination's (an IPv4 route
// via an IPv6 link-local gateway, RFC 5549); an IPv6 gateway is commonly
// link-local, which the ifindex scopes.
struct NextHop {
	uint32_t ifindex = 0;
	IpAddress ip;
	bool operator==(const NextHop &) const = default;
	auto operator<=>(const NextHop &) const = default;
};

// A change of one neighbour entry (ARP or NDP): a MAC when it is usable
// (reachable, stale, delay, probe, permanent), none when it is gone,
// failed or not yet resolved.
struct NeighbourChange {
	uint32_t ifindex = 0;
	IpAddress ip;
	std::optional<Mac> mac;
};

class NeighbourSource {
public:
	virtual ~NeighbourSource() = default;

	// The next hop for dst leaving through ifindex, as the kernel's routing
	// table of dst's family says now. 0, or a negative errno with *error
	// (no route, the route leaves through another interface, ...).
	virtual int next_hop(const IpAddress &dst, uint32_t ifindex, NextHop *out,
			     std::string *error) const = 0;
	// The usable MAC of a neighbour, if the kernel has one.
	virtual std::optional<Mac> neighbour(uint32_t ifindex, const IpAddress &ip) const = 0;
	// Asks the kernel to resolve ip on ifindex (ARP for IPv4, a Neighbour
	// Solicitation for IPv6); the answer arrives later as a
	// NeighbourChange. 0 or a negative errno.
	virtual int resolve(uint32_t ifindex, const IpAddress &ip) = 0;
};

} // namespace mcr::host
