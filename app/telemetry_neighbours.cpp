#include "telemetry_neighbours.h"

#include <rte_telemetry.h>

#include <mutex>
#include <string>

#include "config/address.h"
#include "neighbours_view.h"
#include "runtime.h"

namespace mcr::app {

namespace {

std::mutex runtime_mutex; // keeps shutdown from pulling the runtime away mid-answer
Runtime *current = nullptr;

// DPDK 22.11 caps a reply at 256 entries in a container and 16 KiB in
// all: past this many next hops the reply says how many it left out.
constexpr size_t max_entries = 64;

int neighbours_cb(const char *, const char *, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	std::lock_guard rules_lock(current->control_mutex());
	const auto uses = current->neighbours();
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "total", uses.size());
	rte_tel_data_add_dict_u64(d, "shown", std::min(uses.size(), max_entries));
	for (size_t i = 0; i < uses.size() && i < max_entries; i++) {
		const publish::NeighbourUse &u = uses[i];
		rte_tel_data *n = rte_tel_data_alloc();
		rte_tel_data_start_dict(n);
		rte_tel_data_add_dict_string(n, "port", u.port.c_str());
		rte_tel_data_add_dict_string(n, "destination", config::format_ipv4(u.destination).c_str());
		rte_tel_data_add_dict_string(n, "next_hop", config::format_ipv4(u.next_hop.ip).c_str());
		rte_tel_data_add_dict_string(n, "mac", neighbour_mac_text(u).c_str());
		std::string rules;
		for (const std::string &r : u.rules)
			rules += (rules.empty() ? "" : ",") + r;
		// A string value is capped too (RTE_TEL_MAX_STRING_LEN).
		if (rules.size() >= RTE_TEL_MAX_STRING_LEN)
			rules = rules.substr(0, RTE_TEL_MAX_STRING_LEN - 4) + "...";
		rte_tel_data_add_dict_string(n, "rules", rules.c_str());
		rte_tel_data_add_dict_u64(n, "rule_count", u.rules.size());
		rte_tel_data_add_dict_container(d, ("neighbour" + std::to_string(i)).c_str(), n, 0);
	}
	return 0;
}

} // namespace

void register_neighbour_telemetry(Runtime *rt)
{
	{
		std::lock_guard lock(runtime_mutex);
		current = rt;
	}
	static std::once_flag once;
	std::call_once(once, [] {
		rte_telemetry_register_cmd("/mcr/neighbours", neighbours_cb,
					   "mcr next hops of unicast outputs: port, destination, next "
					   "hop, MAC or unresolved, rules. No parameters");
	});
}

void unregister_neighbour_telemetry()
{
	std::lock_guard lock(runtime_mutex);
	current = nullptr;
}

} // namespace mcr::app
