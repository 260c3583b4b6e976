#include "telemetry.h"

#include <rte_telemetry.h>

#include <mutex>
#include <string>
#include <string_view>

#include "runtime.h"
#include "stats_snapshot.h"
#include "telemetry_views.h"

namespace mcr::app {

namespace {

// Telemetry callbacks run on DPDK's telemetry threads; the mutex only keeps
// shutdown from pulling the runtime away mid-answer (never on a worker).
std::mutex runtime_mutex;
Runtime *current = nullptr;

int emit(const tel::Dict &d, rte_tel_data *out);

// 22.11 has no null value, but renders a container whose type it does not
// know as null: the dict is added, then turned into an (empty) array of
// containers, which rte_tel_data_add_dict_container itself would refuse.
int add_null(rte_tel_data *out, const char *key)
{
	rte_tel_data *v = rte_tel_data_alloc();
	if (v == nullptr)
		return -ENOMEM;
	rte_tel_data_start_dict(v);
	const int rc = rte_tel_data_add_dict_container(out, key, v, 0);
	if (rc != 0) {
		rte_tel_data_free(v);
		return rc < 0 ? rc : -E2BIG;
	}
	rte_tel_data_start_array(v, RTE_TEL_CONTAINER);
	return 0;
}

int emit_entry(const std::string &key, const tel::Value &value, rte_tel_data *out)
{
	if (const auto *u = std::get_if<uint64_t>(&value))
		return rte_tel_data_add_dict_u64(out, key.c_str(), *u);
	if (const auto *s = std::get_if<std::string>(&value))
		return rte_tel_data_add_dict_string(out, key.c_str(), s->c_str());
	if (std::holds_alternative<tel::Null>(value))
		return add_null(out, key.c_str());
	rte_tel_data *child = rte_tel_data_alloc();
	if (child == nullptr)
		return -ENOMEM;
	int rc = emit(*std::get<std::unique_ptr<tel::Dict>>(value), child);
	if (rc == 0)
		rc = rte_tel_data_add_dict_container(out, key.c_str(), child, 0);
	if (rc != 0)
		rte_tel_data_free(child);
	return rc;
}

// Nonzero (E2BIG is positive in DPDK) only for a reply tel::problem()
// should have refused first.
int emit(const tel::Dict &d, rte_tel_data *out)
{
	rte_tel_data_start_dict(out);
	for (const auto &[key, value] : d.entries)
		if (const int rc = emit_entry(key, value, out); rc != 0)
			return rc < 0 ? rc : -E2BIG;
	return 0;
}

// Every reply goes through here: one DPDK would cut becomes an error
// saying so, never a shorter reply.
int reply(const char *cmd, const tel::Dict &d, rte_tel_data *out)
{
	const std::string why = tel::problem(d, tel::reply_budget(cmd));
	if (!why.empty())
		return emit(tel::error_reply("reply too large for DPDK telemetry: " + why), out);
	if (emit(d, out) != 0)
		return emit(tel::error_reply("cannot build the reply (out of memory?)"), out);
	return 0;
}

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
	return reply(cmd, tel::ports_reply(collect_stats(*current, stats_ports)), d);
}

int pools_cb(const char *cmd, const char *, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	return reply(cmd, tel::pools_reply(collect_stats(*current, stats_pools)), d);
}

int workers_cb(const char *cmd, const char *, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	return reply(cmd, tel::workers_reply(collect_stats(*current, stats_workers | stats_ports)), d);
}

int xdp_cb(const char *cmd, const char *, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	return reply(cmd, tel::xdp_reply(collect_stats(*current, stats_ports)), d);
}

int drops_cb(const char *cmd, const char *params, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	const std::string_view port = param_of(params);
	if (port.empty())
		return reply(cmd, tel::drops_reply(collect_stats(*current, 0)), d);
	const StatsSnapshot s = collect_stats(*current, stats_ports);
	for (const PortStats &p : s.ports)
		if (p.name == port)
			return reply(cmd, tel::port_drops_reply(s, p), d);
	return reply(cmd, tel::error_reply("no port named " + quoted(port)), d);
}

int rules_cb(const char *cmd, const char *params, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	const std::string_view param = param_of(params);
	const std::optional<size_t> offset = param.empty() ? 0 : tel::parse_count(param);
	if (!offset)
		return reply(cmd, tel::error_reply("offset " + quoted(param) +
						   " is not a number: /mcr/rules[,OFFSET]"), d);
	// No page holds more rules than a dict holds entries.
	const StatsSnapshot s =
		collect_stats(*current, stats_rules, RuleSelection{*offset, tel::max_dict_entries, {}});
	return reply(cmd, tel::rules_page(s, *offset, tel::reply_budget(cmd)), d);
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
		return reply(cmd, tel::error_reply("usage: /mcr/rule,NAME[,FIRST_OUTPUT]"), d);
	const StatsSnapshot s =
		collect_stats(*current, stats_rules, RuleSelection::named(std::string(name)));
	if (s.rules.empty())
		return reply(cmd, tel::error_reply("no rule named " + quoted(name)), d);
	const RuleStats &r = s.rules.front();
	if (*first > 0 && *first >= r.rule.outputs.size())
		return reply(cmd, tel::error_reply("rule " + r.name() + " has " +
						   std::to_string(r.rule.outputs.size()) + " outputs"), d);
	return reply(cmd, tel::rule_reply(r, s, *first, tel::reply_budget(cmd)), d);
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
		rte_telemetry_register_cmd("/mcr/ports", ports_cb,
					   "mcr ports: driver, queues, RX/TX counters, drops. No parameters");
		rte_telemetry_register_cmd("/mcr/pools", pools_cb,
					   "mcr size classes: count, in use, free. No parameters");
		rte_telemetry_register_cmd("/mcr/rules", rules_cb,
					   "mcr rules, a page from OFFSET (default 0) in config order: "
					   "total, offset, next (null: last page), rules. Param: OFFSET");
		rte_telemetry_register_cmd("/mcr/rule", rule_cb,
					   "one mcr rule: match, counters, outputs with drops by reason. "
					   "Params: NAME[,FIRST_OUTPUT]");
		rte_telemetry_register_cmd("/mcr/drops", drops_cb,
					   "mcr dropped packets by reason, in total or on one port. "
					   "Param: [PORT]");
		rte_telemetry_register_cmd("/mcr/xdp", xdp_cb,
					   "mcr's XDP program per port: id, mode, per-verdict counters "
					   "summed over CPUs. No parameters");
		rte_telemetry_register_cmd("/mcr/workers", workers_cb,
					   "mcr worker lcores: queues, polls. No parameters");
	});
}

void unregister_telemetry()
{
	std::lock_guard lock(runtime_mutex);
	current = nullptr;
}

} // namespace mcr::app
