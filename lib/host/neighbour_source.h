// What the publisher needs to know about the kernel's neighbours and
// routes to address a unicast output, behind one interface: the netlink
// implementation (lib/host/netlink_neighbours) on a host, a fake in tests.
// Addresses are IPv4 in host order; interfaces are kernel ifindexes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace mcr::host {

using Mac = std::array<uint8_t, 6>;

// Where the kernel would send a datagram for a destination: the
// destination itself when it is on-link, otherwise the route's gateway.
struct NextHop {
	uint32_t ifindex = 0;
	uint32_t ip = 0;
	bool operator==(const NextHop &) const = default;
};

// A change of one neighbour entry: a MAC when it is usable (reachable,
// stale, delay, probe, permanent), none when it is gone, failed or not yet
// resolved.
struct NeighbourChange {
	uint32_t ifindex = 0;
	uint32_t ip = 0;
	std::optional<Mac> mac;
};

class NeighbourSource {
public:
	virtual ~NeighbourSource() = default;

	// The next hop for dst leaving through ifindex, as the kernel's routing
	// table says now. 0, or a negative errno with *error (no route, the
	// route leaves through another interface, ...).
	virtual int next_hop(uint32_t dst, uint32_t ifindex, NextHop *out,
			     std::string *error) const = 0;
	// The usable MAC of a neighbour, if the kernel has one.
	virtual std::optional<Mac> neighbour(uint32_t ifindex, uint32_t ip) const = 0;
	// Asks the kernel to resolve ip on ifindex (ARP); the answer arrives
	// later as a NeighbourChange. 0 or a negative errno.
	virtual int resolve(uint32_t ifindex, uint32_t ip) = 0;
};

} // namespace mcr::host
