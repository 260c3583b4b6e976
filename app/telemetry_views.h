// mcr's telemetry replies (/mcr/...) rendered from a StatsSnapshot as
// tel::Dicts. Pure, so page sizes are tested without an EAL. The shapes
// are in doc/console.md.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stats_snapshot.h"
#include "telemetry_reply.h"

namespace mcr::app::tel {

// /mcr/rules[,OFFSET]: {"total", "offset", "next", "rules": {"<position>":
// rule, ...}} with as many of s.rules (those from `offset` on, in
// configuration order) as fit `budget`. A rule too large for a page of
// its own comes alone, with the outputs that fit and `outputs_next` set.
Dict rules_page(const StatsSnapshot &s, size_t offset, size_t budget);

// /mcr/rule,NAME[,FIRST_OUTPUT]: the rule's match, counters and its
// outputs from first_output on, as many as fit `budget`; `outputs_next`
// is the first output left out, or null.
Dict rule_reply(const RuleStats &r, const StatsSnapshot &s, size_t first_output, size_t budget);

// One next hop that unicast outputs use, as /mcr/neighbours shows it.
struct NeighbourRow {
	std::string port, destination, next_hop, mac; // mac: or "unresolved"
	std::vector<std::string> rules;               // the rules using it
};

// /mcr/neighbours[,OFFSET]: {"total", "offset", "next", "neighbours":
// {"<position>": {port, destination, next_hop, mac, rule_count, rules}}}
// with as many rows from `offset` on as fit `budget`. `rules` lists names
// while they fit DPDK's string limit and ends with "..." when it had to
// stop; rule_count always says how many there are.
Dict neighbours_page(const std::vector<NeighbourRow> &rows, size_t offset, size_t budget);

// /mcr/drops: totals by reason. With a port, what was counted against it.
Dict drops_reply(const StatsSnapshot &s);
Dict port_drops_reply(const StatsSnapshot &s, const PortStats &port);

Dict ports_reply(const StatsSnapshot &s);
Dict pools_reply(const StatsSnapshot &s);
Dict workers_reply(const StatsSnapshot &s);
Dict xdp_reply(const StatsSnapshot &s);

// {"error": why}: what a bad parameter gets instead of a silent null.
Dict error_reply(std::string_view why);

// A decimal count as a parameter gives it ("17"); nothing else is one.
std::optional<size_t> parse_count(std::string_view text);

} // namespace mcr::app::tel
