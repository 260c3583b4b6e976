// Every counter mcr keeps, read once into plain values: what the console,
// --stats-period, telemetry and the Prometheus endpoint render, so a view
// (a sum over workers, a rule's outputs) is computed here and nowhere
// else. No DPDK type appears here, so renderers are tested without an EAL.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/model.h"

namespace mcr::app {

class Runtime;

inline uint64_t sum(const std::vector<uint64_t> &counts)
{
	uint64_t n = 0;
	for (uint64_t c : counts)
		n += c;
	return n;
}

struct PortTotals {
	uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0, tx_dropped = 0;
};

// The PMD's own counters (rte_eth_stats).
struct PmdTotals {
	uint64_t ipackets = 0, imissed = 0, ierrors = 0, rx_nombuf = 0, opackets = 0, oerrors = 0;
};

struct XdpStats {
	bool available = true; // built with BPF
	bool loaded = false;
	uint32_t program_id = 0;
	std::string mode;     // "native", "generic"; empty if not loaded
	uint16_t sockets = 0; // af_xdp: sockets on RX queues 0..sockets-1
	// Packets per verdict (name, count), summed over CPUs; empty without a program.
	std::vector<std::pair<std::string, uint64_t>> verdicts;
};

struct PortStats {
	std::string name, iface, driver;
	uint16_t ethdev = 0, queues = 0;
	PortTotals totals; // summed over workers
	// Dropped packets counted against this port (ingress for parse and
	// lookup drops, egress for an output's), by reason in
	// StatsSnapshot::drop_reasons order, summed over workers.
	std::vector<uint64_t> drops;
	PmdTotals pmd;
	XdpStats xdp;
	// Open, or down since its interface was deleted (doc/reliability.md);
	// times it went down, and came back on a re-created interface.
	bool up = true;
	uint64_t down_count = 0, reopen_count = 0;

	uint64_t dropped() const { return sum(drops); } // every reason
};

struct RxQueueStats {
	uint16_t port = 0; // index in StatsSnapshot::ports
	uint16_t queue = 0;
};

struct WorkerStats {
	uint16_t index = 0;
	unsigned lcore = 0;
	std::vector<RxQueueStats> rx_queues;
	uint64_t polls = 0, busy_polls = 0, idle_sleeps = 0;
	uint64_t reassembled = 0, fragmented = 0, fragments_out = 0;
	std::vector<uint64_t> rx_packets, tx_packets; // by port, in ports order
	std::vector<uint64_t> drops;                  // by reason, in drop_reasons order
};

// The reasons an output counts drops for (engine::output_drop_reasons;
// stats_snapshot.cpp checks they agree).
inline constexpr size_t output_drop_reason_count = 5;

struct OutputTotals {
	uint64_t packets = 0, bytes = 0;
	// By reason, in StatsSnapshot::output_drop_reasons order.
	std::array<uint64_t, output_drop_reason_count> drops{};

	uint64_t dropped() const // every reason
	{
		uint64_t n = 0;
		for (uint64_t d : drops)
			n += d;
		return n;
	}
};

struct OutputStats {
	// The egress port's address of the output's family: what `src`
	// defaults to; none when the port has none.
	std::optional<config::IpAddress> port_address;
	OutputTotals totals;
};

// Which input delivered a merged or monitored stream's numbers.
struct StreamInputStats {
	std::string port;
	uint64_t first = 0; // numbers this input delivered before any other
	uint64_t only = 0;  // numbers that left the window delivered by it alone
};

// A merged or monitored rule's stream health (engine::SequenceCounters).
struct StreamStats {
	bool merge = false; // false: monitor
	uint16_t owner = 0; // the worker that merges or counts it
	uint64_t accepted = 0, duplicates = 0, late = 0, reordered = 0, gaps = 0, resyncs = 0,
		 multiple = 0, no_sequence = 0;
	std::vector<StreamInputStats> inputs; // as rule.inputs()
};

struct RuleStats {
	size_t position = 0; // in the running configuration's rule order
	// As it runs, console-added rules included; without its file locations
	// (`where`), which no view shows and which would cost a string each.
	config::Rule rule;
	uint64_t packets = 0, bytes = 0;
	std::vector<OutputStats> outputs; // as rule.outputs
	std::optional<StreamStats> stream; // a merged or monitored rule's

	const std::string &name() const { return rule.name; }
};

struct PoolStats {
	std::string name;
	// "size_class" (a configured pool), "clone" or "header" (the engine's
	// own), so a size class named like an engine pool is still told apart.
	std::string kind;
	uint64_t data_size = 0;        // bytes of data an mbuf holds
	uint64_t size = 0, in_use = 0; // mbufs

	uint64_t free() const { return size - in_use; }
};

// Configuration loads: at start (counts as the first success) and reloads.
struct ReloadStats {
	uint64_t successes = 0, failures = 0;
	double last_success_unix_s = 0; // wall clock of the config now running
	bool last_ok = true;
};

struct StatsSnapshot {
	std::vector<std::string> drop_reasons;        // every reason but "none"
	std::vector<std::string> output_drop_reasons; // the ones an output counts
	std::vector<uint64_t> drops;                  // totals, by reason
	std::vector<PortStats> ports;
	std::vector<WorkerStats> workers;
	std::vector<RuleStats> rules; // the selected rules, in configuration order
	size_t rules_total = 0;       // every rule, selected or not
	std::vector<PoolStats> pools;
	ReloadStats reloads;
	double collect_seconds = 0; // time the collection took
};

// Which parts a view needs: collecting ports reads the PMD's and the XDP
// program's counters (system calls), so views that do not show them skip it.
enum StatsPart : unsigned {
	stats_ports = 1u << 0,
	stats_workers = 1u << 1,
	stats_pools = 1u << 2,
	stats_rules = 1u << 3,
	stats_all = stats_ports | stats_workers | stats_pools | stats_rules,
};

// The rules to copy (with stats_rules): `count` rules from position
// `first` in configuration order, or only the one named `name`.
struct RuleSelection {
	size_t first = 0;
	size_t count = std::numeric_limits<size_t>::max();
	std::string name;

	static RuleSelection named(std::string name) { return {0, 1, std::move(name)}; }
};

// Reads the runtime's counters. Drop totals, the rule count and reloads are
// always read. Takes the runtime's control mutex only while it copies the
// selected rules and their counters (rules are added and deleted under it),
// a thousand rules at a time; workers never take it, so a collection never
// waits for or stalls one.
StatsSnapshot collect_stats(const Runtime &rt, unsigned parts, const RuleSelection &rules = {});

} // namespace mcr::app
