// Next-hop MACs from the kernel's neighbour table, for unicast outputs
// without `mac:`. Read on the main lcore, before the ports are opened: the
// af_packet PMD cycles the interface, which flushes the kernel's entries.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace mcr::drivers {

class NeighbourTable {
public:
	using Mac = std::array<uint8_t, 6>;

	// Complete entries of /proc/net/arp (this network namespace).
	static NeighbourTable read_kernel();

	// The MAC of ipv4 (host order) on iface, if known.
	std::optional<Mac> find(const std::string &iface, uint32_t ipv4) const;

private:
	std::map<std::pair<std::string, uint32_t>, Mac> entries_;
};

} // namespace mcr::drivers
