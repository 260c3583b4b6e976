// Interfaces that come and go: a port whose kernel interface is deleted
// (driver reload, `ip link del`) goes down, and comes back by itself when
// an interface of the same name appears again. The main lcore's 1-second
// watch (app/main.cpp) drives it; workers only see the port's ethdev id
// turn closed and back (Engine::close_port, open_port).
#include <linux/capability.h>
#include <rte_ethdev.h>
#include <sys/prctl.h>

#include <algorithm>

#include <fmt/format.h>

#include "common/log.h"
#include "config/address.h"
#include "runtime.h"

namespace mcr::app {

namespace {

// What opening a port needs (doc/service.md); mcr drops them from its
// bounding set too, so the bounding set says whether they are still there.
const char *missing_open_capability()
{
	static constexpr std::pair<unsigned, const char *> needed[] = {
		{CAP_NET_RAW, "CAP_NET_RAW"}, {CAP_IPC_LOCK, "CAP_IPC_LOCK"},
		{CAP_SYS_ADMIN, "CAP_SYS_ADMIN"}, {CAP_NET_ADMIN, "CAP_NET_ADMIN"}};
	for (const auto &[cap, name] : needed)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			return name;
	return nullptr;
}

} // namespace

void Runtime::watch_ports()
{
	reopen_refused_.resize(ports_.size());
	for (size_t i = 0; i < ports_.size(); i++) {
		drivers::Port &port = *ports_[i];
		const drivers::Port::IfaceState state = port.iface_state();
		if (port.is_open() && state != drivers::Port::IfaceState::same)
			take_port_down(i, state == drivers::Port::IfaceState::gone
						  ? "was deleted"
						  : "was deleted and created again");
		// A refused re-open is tried again on the next interface, not
		// every second on this one.
		if (!port.is_open() && state != drivers::Port::IfaceState::gone && port.iface_up() &&
		    port.iface_index_now() != reopen_refused_[i])
			bring_port_up(i);
	}
}

void Runtime::take_port_down(size_t i, const char *what)
{
	drivers::Port &port = *ports_[i];
	MCR_LOG(port, WARNING, "port %s: interface %s (ifindex %u) %s: port down, its rules "
		"stop until it comes back", port.name().c_str(), port.iface().name.c_str(),
		port.iface().index, what);
	// Workers first: none may poll or send on the ethdev being closed.
	engine_.close_port(static_cast<uint16_t>(i));
	std::lock_guard lock(control_mutex_); // telemetry reads the port's XDP maps
	publisher_->port_closed(static_cast<uint16_t>(i));
	port.close();
	port.count_down();
}

// An af_xdp port's fill rings take buffers of its RX pool that DPDK 22.11
// does not give back when the port closes: a re-open takes as many again,
// if the pool can spare them. *reserved: the class reserved from, if any.
int Runtime::reserve_reopen_buffers(size_t i, const engine::SizeClass **reserved,
				    std::string *error)
{
	*reserved = nullptr;
	const drivers::Port &port = *ports_[i];
	if (port.backend() != drivers::Backend::af_xdp)
		return 0;
	for (const engine::SizeClass &sc : pools_.classes()) {
		if (sc.pool != port.rx_pool())
			continue;
		const int rc =
			reserve_rx_buffers(*cfg_.find_port(port.name()), sc, port.queue_pairs(), error);
		if (rc == 0)
			*reserved = &sc;
		return rc;
	}
	return 0;
}

void Runtime::bring_port_up(size_t i)
{
	drivers::Port &port = *ports_[i];
	const uint16_t queues = port.queue_pairs();
	const unsigned index = port.iface_index_now();
	std::string error;
	const engine::SizeClass *reserved = nullptr;
	bool opened = false;
	int rc = 0;
	if (const char *cap = missing_open_capability()) {
		error = fmt::format("mcr gave up {} and the other capabilities opening a port "
				    "needs (run it with --reopen-ports)", cap);
		rc = -EPERM;
	}
	if (rc == 0) {
		rc = reserve_reopen_buffers(i, &reserved, &error);
		if (rc < 0)
			error = fmt::format("{} (its af_xdp fill rings took buffers DPDK 22.11 does "
					    "not give back on close: each re-open takes as many again)",
					    error);
	}
	if (rc == 0) {
		std::lock_guard lock(control_mutex_);
		rc = port.reopen(&error);
		opened = rc == 0;
		// Workers poll the queues they were given at start.
		if (rc == 0 && port.queue_pairs() != queues) {
			error = fmt::format("port '{}': {} now plans {} queue pair(s), {} before: "
					    "restart mcr to use them",
					    port.name(), port.iface().name, port.queue_pairs(), queues);
			port.close();
			rc = -EINVAL;
		}
	}
	if (rc < 0) {
		// A failed open is assumed to have taken no fill-ring buffers.
		if (reserved != nullptr && !opened)
			rx_buffers_held_[reserved->name] -=
				uint32_t{queues} * af_xdp_fill_ring_buffers;
		MCR_LOG(port, ERR, "port %s: interface %s is back (ifindex %u), but the port "
			"cannot be opened again: %s; it stays down until the interface is "
			"created again", port.name().c_str(), port.iface().name.c_str(), index,
			error.c_str());
		reopen_refused_[i] = index;
		return;
	}
	reopen_refused_[i] = 0;
	rte_ether_addr mac;
	std::copy(port.iface().mac.begin(), port.iface().mac.end(), mac.addr_bytes);
	{
		std::lock_guard lock(control_mutex_);
		engine_.open_port(static_cast<uint16_t>(i), port.id(), mac, port.source_ipv4(), port.source_ipv6(),
				  port.iface().index);
		if (publisher_->port_reopened(static_cast<uint16_t>(i), &error) < 0)
			MCR_LOG(port, ERR, "port %s: %s", port.name().c_str(), error.c_str());
	}
	MCR_LOG(port, NOTICE, "port %s: up again on %s (ifindex %u), ethdev %u; its rules forward",
		port.name().c_str(), port.iface().name.c_str(), port.iface().index, port.id());
	log_pool_usage(fmt::format("after reopening port {}", port.name()).c_str());
}

} // namespace mcr::app
