// Kernel interfaces the tools look up: which one holds an address (IPv6
// joins and IPV6_MULTICAST_IF name an interface by index, not by address)
// and an interface's IPv6 address (a DPDK sender's default source).
#pragma once

#include <string>
#include <string_view>

#include "traffic/address.h"

namespace mcr::traffic {

// The index of the interface that holds addr, 0 when none does.
unsigned iface_index_of(const IpAddress &addr);
// An interface given as one of its addresses or by name; 0 when neither.
unsigned iface_index(std::string_view addr_or_name);
// The first global (not link-local) IPv6 address of a kernel interface;
// false when it has none.
bool iface_ipv6(const std::string &iface, Ipv6 *addr);

} // namespace mcr::traffic
