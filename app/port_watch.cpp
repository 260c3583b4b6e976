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
	forget_port_groups(i);
	port.close();
	port.count_down();
}

// The kernel dropped the memberships with the interface; only mcr's
// references to them go (leaving an ifindex that is gone fails, rightly).
void Runtime::forget_port_groups(size_t i)
{
	const drivers::Port &port = *ports_[i];
	for (const config::Rule &rule : cfg_.rules) {
		if (rule.match.port != port.name() || !config::is_ipv4_multicast(rule.match.dst))
			continue;
		std::string ignored;
		igmp_.leave(port.iface().index, rule.match.dst, rule.match.src.value_or(0), &ignored);
	}
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
	const engine::EnginePort &before = engine_.ports()[i];
	const bool readdressed = !rte_is_same_ether_addr(&before.mac, &mac) ||
				 before.ipv4 != port.source_ipv4();
	engine_.open_port(static_cast<uint16_t>(i), port.id(), mac, port.source_ipv4());
	if (republish_port_rules(i, &error) < 0)
		MCR_LOG(port, ERR, "port %s: %s", port.name().c_str(), error.c_str());
	if (readdressed)
		recompile_rules_sending_on(i);
	MCR_LOG(port, NOTICE, "port %s: up again on %s (ifindex %u), ethdev %u; its rules forward",
		port.name().c_str(), port.iface().name.c_str(), port.iface().index, port.id());
	log_pool_usage(fmt::format("after reopening port {}", port.name()).c_str());
}

// What a port's rules put into the kernel for it, published again on its
// new interface: the rule keys in its XDP program's maps and the groups
// its rules match, joined on the new ifindex. Rules sending out of it only
// change if the interface's MAC or address did (recompile_rules_sending_on).
int Runtime::republish_port_rules(size_t i, std::string *error)
{
	const drivers::Port &port = *ports_[i];
	std::lock_guard lock(control_mutex_);
	std::vector<drivers::XdpRuleKey> keys;
	for (const config::Rule &rule : cfg_.rules) {
		if (rule.match.port != port.name())
			continue;
		keys.push_back({rule.match.dst, rule.match.dport, rule.match.vlan,
				rule.match.src.value_or(0)});
		join_group(rule);
	}
	std::string why;
	const int rc = ports_[i]->xdp().sync_rules(keys, &why);
	if (rc < 0)
		*error = fmt::format("cannot load rule keys into the XDP program: {}", why);
	return rc;
}

// Outputs carry their port's MAC and address in headers compiled once: a
// re-created interface with another MAC or address gets its rules that
// send out of it compiled again (a hitless replacement, as on reload).
void Runtime::recompile_rules_sending_on(size_t i)
{
	const std::string &name = ports_[i]->name();
	for (const config::Rule &rule : cfg_.rules) {
		if (std::none_of(rule.outputs.begin(), rule.outputs.end(),
				 [&](const config::Output &o) { return o.port == name; }))
			continue;
		std::string why;
		engine::CompiledRule *compiled = engine_.compile(rule, neighbour_lookup(), &why);
		std::lock_guard lock(control_mutex_);
		if (compiled == nullptr || publish(compiled, rule, false, &why) < 0)
			MCR_LOG(port, WARNING, "port %s: rule %s keeps its old headers (source MAC "
				"and address of the deleted interface): %s", name.c_str(),
				rule.name.c_str(), why.c_str());
	}
}

} // namespace mcr::app
