#include "kernel_events.h"

#include <poll.h>

#include "common/log.h"

namespace mcr::app {

void follow_kernel_events(host::NetlinkNeighbours &kernel, Runtime &rt)
{
	bool routes_changed = false;
	std::string error;
	const int rc = kernel.read_events(
		[&rt](const host::NeighbourChange &change) { rt.neighbour_changed(change); },
		&routes_changed, &error);
	if (rc < 0)
		MCR_LOG(app, WARNING, "kernel neighbour and route notifications: %s", error.c_str());
	if (routes_changed)
		rt.routes_changed();
}

void settle_neighbours(host::NetlinkNeighbours &kernel, Runtime &rt,
		       std::chrono::milliseconds limit)
{
	using clock = std::chrono::steady_clock;
	const auto deadline = clock::now() + limit;
	size_t unresolved = rt.unresolved_next_hops();
	while (unresolved != 0 && clock::now() < deadline) {
		const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			deadline - clock::now());
		pollfd fd{kernel.fd(), POLLIN, 0};
		if (poll(&fd, 1, static_cast<int>(left.count()) + 1) > 0)
			follow_kernel_events(kernel, rt);
		unresolved = rt.unresolved_next_hops();
	}
	if (unresolved != 0)
		MCR_LOG(app, WARNING, "%zu next hop(s) of unicast outputs not resolved yet: their "
			"outputs drop (no-neighbour) until they are (show neighbours)", unresolved);
}

} // namespace mcr::app
