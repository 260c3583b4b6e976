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
#include "igmp_membership.h"
#include "neighbour.h"
#include "port.h"
#include "stats_snapshot.h"

namespace mcr::app {

class Runtime {
public:
	explicit Runtime(config::Config cfg);
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
	int sync_xdp_rules(std::string *error);
	engine::NeighbourLookup neighbour_lookup() const;
	// new_match: the rule's match was not published before (a replacement
	// keeps the XDP key and the group membership it has).
	int publish(engine::CompiledRule *compiled, const config::Rule &rule, bool new_match,
		    std::string *error);
	void unpublish(const config::Rule &rule);
	void join_group(const config::Rule &rule);
	void leave_group(const config::Rule &rule);
	int launch_workers(std::string *error);
	// Interfaces that come and go (app/port_watch.cpp).
	void take_port_down(size_t i, const char *what);
	void bring_port_up(size_t i);
	void forget_port_groups(size_t i);
	int reserve_reopen_buffers(size_t i, const engine::SizeClass **reserved,
				   std::string *error);
	// The rules of port i, published again on its new interface.
	int republish_port_rules(size_t i, std::string *error);
	void recompile_rules_sending_on(size_t i);
	void log_pool_usage(const char *when) const;

	config::Config cfg_;
	drivers::NeighbourTable neighbours_; // as it was before the ports opened
	engine::Pools pools_;
	std::vector<std::unique_ptr<drivers::Port>> ports_;
	drivers::IgmpMemberships igmp_; // the groups rules match, joined on their port
	engine::Engine engine_;
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
