// The running appliance: pools, ports, the forwarding engine and its
// workers, built from one Config and owned by the main lcore. Console and
// telemetry read it; start() and stop() build and tear it down.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/model.h"
#include "engine/engine.h"
#include "engine/pools.h"
#include "engine/worker.h"
#include "host/multicast_memberships.h"
#include "host/neighbour_source.h"
#include "port.h"
#include "port_sinks.h"
#include "publish/publisher.h"
#include "stats_snapshot.h"

namespace mcr::app {

class Runtime {
public:
	// neighbours: the kernel's routes and neighbours, for unicast outputs;
	// it outlives the runtime.
	Runtime(config::Config cfg, host::NeighbourSource &neighbours);
	~Runtime();

	// Creates pools, opens ports, compiles the rules and launches the
	// workers. Returns 0 or a negative errno with *error a one-line
	// reason; on error everything already created is released.
	int start(std::string *error);
	// Stops workers (their TX buffers are flushed), then ports. Safe to
	// call twice.
	void stop();

	const config::Config &config() const { return cfg_; }
	const engine::Pools &pools() const { return pools_; }
	const engine::Engine &engine() const { return engine_; }
	const std::vector<std::unique_ptr<drivers::Port>> &ports() const { return ports_; }
	const std::vector<std::unique_ptr<engine::Worker>> &workers() const { return workers_; }

	// Counters are read through collect_stats (stats_snapshot.h).
	void clear_port_stats();
	int find_port(const std::string &name) const; // index or -1

	// --- rule changes, main lcore only; hitless for every other rule ---
	// Validated like a YAML rule against the running config. 0 or a
	// negative errno with *error (one line per problem).
	int add_rule(const config::Rule &rule, std::string *error);
	int delete_rule(const std::string &name, std::string *error);
	// Re-reads the YAML and applies rule differences. Port, pool or worker
	// changes are refused and nothing changes. *report says what happened.
	int reload(std::string *report);
	// Start counts as the first successful load.
	ReloadStats reload_stats() const;
	// The kernel's neighbours or routes changed: the rules concerned are
	// recompiled and replaced (main lcore).
	void neighbour_changed(const host::NeighbourChange &change);
	void routes_changed();
	// Next hops in use by unicast outputs; hold control_mutex() on a
	// thread other than the main lcore.
	std::vector<publish::NeighbourUse> neighbours() const;
	size_t unresolved_next_hops() const; // main lcore

	// Main lcore, once a second: a port whose interface was deleted goes
	// down, and comes back up when the interface is there again
	// (app/port_watch.cpp).
	void watch_ports();

	// Held by rule changes and by readers on other threads (telemetry).
	std::mutex &control_mutex() const { return control_mutex_; }

private:
	int reload_rules(std::string *report); // reload() without its bookkeeping
	int check_lcores(std::string *error) const;
	int open_ports(std::string *error);
	int reserve_rx_buffers(const config::Port &pc, const engine::SizeClass &rx_class,
			       uint16_t af_xdp_queues, std::string *error);
	int build_engine(std::string *error);
	int launch_workers(std::string *error);
	// Interfaces that come and go (app/port_watch.cpp).
	void take_port_down(size_t i, const char *what);
	void bring_port_up(size_t i);
	int reserve_reopen_buffers(size_t i, const engine::SizeClass **reserved,
				   std::string *error);
	void log_pool_usage(const char *when) const;

	config::Config cfg_;
	host::NeighbourSource &neighbour_source_;
	engine::Pools pools_;
	std::vector<std::unique_ptr<drivers::Port>> ports_;
	host::MulticastMemberships igmp_; // the groups rules match, joined on their port
	PortXdpSink xdp_sink_{ports_};
	PortGroupSink group_sink_{ports_, igmp_};
	engine::Engine engine_;
	std::unique_ptr<publish::Publisher> publisher_; // from build_engine on
	std::vector<std::unique_ptr<engine::Worker>> workers_;
	std::atomic<bool> running_{false};
	mutable std::mutex control_mutex_;
	ReloadStats reload_stats_; // under control_mutex_
	bool launched_ = false;
	std::map<std::string, uint32_t> rx_buffers_held_; // by size class
	std::vector<unsigned> reopen_refused_; // by port: ifindex a re-open failed on
	static constexpr uint32_t min_free_buffers = 512;
	static constexpr uint32_t af_xdp_fill_ring_buffers = 2048;
};

} // namespace mcr::app
