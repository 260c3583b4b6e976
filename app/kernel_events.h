// The kernel's neighbour and route notifications, fed to the runtime's
// publisher from the main lcore's poll loop.
#pragma once

#include <chrono>

#include "host/netlink_neighbours.h"
#include "runtime.h"

namespace mcr::app {

// Drains what the kernel said since the last call: each neighbour whose
// usable MAC appeared, changed or went is handed to the runtime, then one
// route recomputation if any IPv4 route changed. Never blocks.
void follow_kernel_events(host::NetlinkNeighbours &kernel, Runtime &rt);

// Next hops asked for at start usually answer within milliseconds: follows
// the kernel until none is unresolved, for at most `limit`, so forwarding
// starts with them known. Start never fails on one that stays unknown: it
// is logged, and its outputs count no-neighbour drops until it resolves.
void settle_neighbours(host::NetlinkNeighbours &kernel, Runtime &rt,
		       std::chrono::milliseconds limit);

} // namespace mcr::app
