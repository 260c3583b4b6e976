#include "telemetry.h"

#include <rte_errno.h>
#include <rte_telemetry.h>

#include <mutex>
#include <string>
#include <string_view>

#include "common/log.h"
#include "config/address.h"
#include "neighbours_view.h"
#include "runtime.h"
#include "stats_snapshot.h"
#include "telemetry_emit.h"
#include "telemetry_views.h"

namespace mcr::app {

namespace {

// Telemetry callbacks run on DPDK's telemetry threads; the mutex only keeps
// shutdown from pulling the runtime away mid-answer (never on a worker).
std::mutex runtime_mutex;
Runtime *current = nullptr;

// The parameter as given, trimmed (socat and nc send a newline).
std::string_view param_of(const char *params)
{
	std::string_view p = params != nullptr ? params : "";
	while (!p.empty() && (p.back() == '\n' || p.back() == '\r' || p.back() == ' '))
		p.remove_suffix(1);
	while (!p.empty() && p.front() == ' ')
		p.remove_prefix(1);
	return p;
}

// A parameter echoed in an error: short enough for the error string.
std::string quoted(std::string_view p)
{
	return "'" + std::string(p.substr(0, 60)) + (p.size() > 60 ? "...'" : "'");
}

int ports_cb(const char *cmd, const char *, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	return tel::reply(cmd, tel::ports_reply(collect_stats(*current, stats_ports)), d);
}

int pools_cb(const char *cmd, const char *, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	return tel::reply(cmd, tel::pools_reply(collect_stats(*current, stats_pools)), d);
}

int workers_cb(const char *cmd, const char *, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	return tel::reply(cmd, tel::workers_reply(collect_stats(*current, stats_workers | stats_ports)), d);
}

int xdp_cb(const char *cmd, const char *, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	return tel::reply(cmd, tel::xdp_reply(collect_stats(*current, stats_ports)), d);
}

int drops_cb(const char *cmd, const char *params, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	const std::string_view port = param_of(params);
	if (port.empty())
		return tel::reply(cmd, tel::drops_reply(collect_stats(*current, 0)), d);
	const StatsSnapshot s = collect_stats(*current, stats_ports);
	for (const PortStats &p : s.ports)
		if (p.name == port)
			return tel::reply(cmd, tel::port_drops_reply(s, p), d);
	return tel::reply(cmd, tel::error_reply("no port named " + quoted(port)), d);
}

// The OFFSET of a paged command: 0 when none is given; none when it is
// not a decimal count (bad_offset says so).
std::optional<size_t> offset_of(const char *params)
{
	const std::string_view param = param_of(params);
	return param.empty() ? 0 : tel::parse_count(param);
}

tel::Dict bad_offset(const char *cmd, const char *params)
{
	return tel::error_reply("offset " + quoted(param_of(params)) + " is not a number: " +
				std::string(cmd) + "[,OFFSET]");
}

int neighbours_cb(const char *cmd, const char *params, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	const std::optional<size_t> offset = offset_of(params);
	if (!offset)
		return tel::reply(cmd, bad_offset(cmd, params), d);
	std::vector<tel::NeighbourRow> rows;
	{
		std::lock_guard rules_lock(current->control_mutex());
		for (const publish::NeighbourUse &u : current->neighbours())
			rows.push_back({u.port, config::format_ip_address(u.destination),
					config::format_ip_address(u.next_hop.ip), neighbour_mac_text(u), u.rules});
	}
	return tel::reply(cmd, tel::neighbours_page(rows, *offset, tel::reply_budget(cmd)), d);
}

int rules_cb(const char *cmd, const char *params, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	const std::optional<size_t> offset = offset_of(params);
	if (!offset)
		return tel::reply(cmd, bad_offset(cmd, params), d);
	// No page holds more rules than a dict holds entries.
	const StatsSnapshot s =
		collect_stats(*current, stats_rules, RuleSelection{*offset, tel::max_dict_entries, {}});
	return tel::reply(cmd, tel::rules_page(s, *offset, tel::reply_budget(cmd)), d);
}

int rule_cb(const char *cmd, const char *params, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	std::string_view name = param_of(params);
	std::string_view first_text;
	if (const size_t comma = name.find(','); comma != std::string_view::npos) {
		first_text = name.substr(comma + 1);
		name = name.substr(0, comma);
	}
	const std::optional<size_t> first = first_text.empty() ? 0 : tel::parse_count(first_text);
	if (name.empty() || !first)
		return tel::reply(cmd, tel::error_reply("usage: /mcr/rule,NAME[,FIRST_OUTPUT]"), d);
	const StatsSnapshot s =
		collect_stats(*current, stats_rules, RuleSelection::named(std::string(name)));
	if (s.rules.empty())
		return tel::reply(cmd, tel::error_reply("no rule named " + quoted(name)), d);
	const RuleStats &r = s.rules.front();
	if (*first > 0 && *first >= r.rule.outputs.size())
		return tel::reply(cmd, tel::error_reply("rule " + r.name() + " has " +
						   std::to_string(r.rule.outputs.size()) + " outputs"), d);
	return tel::reply(cmd, tel::rule_reply(r, s, *first, tel::reply_budget(cmd)), d);
}

} // namespace

namespace {

// DPDK refuses a command quietly (a help text of 128 bytes or more, a
// name already taken): said here, or the command is just missing.
void add_command(const char *name, telemetry_cb cb, const char *help)
{
	const int rc = rte_telemetry_register_cmd(name, cb, help);
	if (rc < 0)
		MCR_LOG(app, ERR, "telemetry command %s not registered: %s", name, rte_strerror(-rc));
}

} // namespace

void register_telemetry(Runtime *rt)
{
	{
		std::lock_guard lock(runtime_mutex);
		current = rt;
	}
	static std::once_flag once;
	std::call_once(once, [] {
		add_command("/mcr/ports", ports_cb,
					   "mcr ports: driver, queues, RX/TX counters, drops. No parameters");
		add_command("/mcr/pools", pools_cb,
					   "mcr size classes: count, in use, free. No parameters");
		add_command("/mcr/neighbours", neighbours_cb,
					   "mcr next hops of unicast outputs, a page from OFFSET (default "
					   "0): total, offset, next, neighbours. Param: OFFSET");
		add_command("/mcr/rules", rules_cb,
					   "mcr rules, a page from OFFSET (default 0) in config order: "
					   "total, offset, next (null: last page), rules. Param: OFFSET");
		add_command("/mcr/rule", rule_cb,
					   "one mcr rule: match, counters, outputs with drops by reason. "
					   "Params: NAME[,FIRST_OUTPUT]");
		add_command("/mcr/drops", drops_cb,
					   "mcr dropped packets by reason, in total or on one port. "
					   "Param: [PORT]");
		add_command("/mcr/xdp", xdp_cb,
					   "mcr's XDP program per port: id, mode, per-verdict counters "
					   "summed over CPUs. No parameters");
		add_command("/mcr/workers", workers_cb,
					   "mcr worker lcores: queues, polls. No parameters");
	});
}

void unregister_telemetry()
{
	std::lock_guard lock(runtime_mutex);
	current = nullptr;
}

} // namespace mcr::app
