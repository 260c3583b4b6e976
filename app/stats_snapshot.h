// Every counter mcr keeps, read once into plain values: what a reader on
// another thread renders (the Prometheus endpoint today; console and
// telemetry can move onto it). No DPDK type appears here, so renderers are
// tested without an EAL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mcr::app {

class Runtime;

struct PortTotals {
	uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0, tx_dropped = 0;
};

struct OutputTotals {
	uint64_t packets = 0, bytes = 0, drops = 0;
};

struct RuleTotals {
	uint64_t packets = 0, bytes = 0;
	std::vector<OutputTotals> outputs;
};

struct PortStats {
	std::string name;
	PortTotals totals; // summed over workers
	// Packets per XDP verdict (name, count); empty without a program.
	std::vector<std::pair<std::string, uint64_t>> xdp_verdicts;
	// Open, or down since its interface was deleted (doc/reliability.md);
	// times it went down, and came back on a re-created interface.
	bool up = true;
	uint64_t down_count = 0, reopen_count = 0;
};

struct WorkerStats {
	uint16_t index = 0;
	uint64_t polls = 0, busy_polls = 0, idle_sleeps = 0;
	std::vector<uint64_t> rx_packets; // by port, in PortStats order
	std::vector<uint64_t> drops;      // by reason, in StatsSnapshot::drop_reasons order
};

struct OutputStats {
	std::string port;
	OutputTotals totals;
};

struct RuleStats {
	std::string name;
	uint64_t packets = 0, bytes = 0;
	std::vector<OutputStats> outputs;
};

struct PoolStats {
	std::string name;
	// "size_class" (a configured pool), "clone" or "header" (the engine's
	// own), so a size class named like an engine pool is still told apart.
	std::string kind;
	uint64_t size = 0, in_use = 0; // mbufs
};

// Configuration loads: at start (counts as the first success) and reloads.
struct ReloadStats {
	uint64_t successes = 0, failures = 0;
	double last_success_unix_s = 0; // wall clock of the config now running
	bool last_ok = true;
};

struct StatsSnapshot {
	std::vector<std::string> drop_reasons; // every reason but "none"
	std::vector<PortStats> ports;
	std::vector<WorkerStats> workers;
	std::vector<RuleStats> rules; // the first `rule_limit` rules, in configuration order
	size_t rules_total = 0;       // every rule, exported or not
	std::vector<PoolStats> pools;
	ReloadStats reloads;
	double collect_seconds = 0; // time the collection took
};

// Reads the runtime's counters. Takes the runtime's control mutex only
// while it copies rule counters (rules are added and deleted under it);
// workers never take it, so a collection never waits for or stalls one.
StatsSnapshot collect_stats(const Runtime &rt, size_t rule_limit);

} // namespace mcr::app
