// Next-hop MACs from the kernel's neighbour table, for unicast outputs
// without `mac:`. Read at rule compile time on the main lcore.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace mcr::drivers {

// The MAC of ipv4 (host order) on iface, if the kernel has a usable
// (complete) entry. Reads /proc/net/arp.
std::optional<std::array<uint8_t, 6>> kernel_neighbour(const std::string &iface, uint32_t ipv4);

} // namespace mcr::drivers
