// workers: the lcores that poll the ports, their burst size and the
// fast path's tuning knobs.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "config/sections.h"

namespace mcr::config::detail {

namespace {

using namespace std::string_view_literals;

constexpr std::array worker_keys = {"lcores"sv, "burst"sv, "copy_threshold"sv, "tx_drain_us"sv,
			       "idle_sleep_us"sv, "reassembly_flows"sv, "reassembly_timeout_ms"sv};

std::vector<unsigned> read_lcores(Diagnostics &diagnostics, const Value &lcores)
{
	std::vector<unsigned> read;
	if (!expect_list(diagnostics, lcores))
		return read;
	if (lcores.node.size() == 0)
		diagnostics.add(lcores.where, "'lcores' must list at least one lcore");
	for (const auto &item : list_items(diagnostics, lcores)) {
		auto lcore = read_int(diagnostics, item, limits::lcore);
		if (!lcore)
			continue;
		if (std::find(read.begin(), read.end(), *lcore) != read.end()) {
			diagnostics.add(item.where,
					fmt::format("duplicate lcore {} in 'lcores'", *lcore));
			continue;
		}
		read.push_back(static_cast<unsigned>(*lcore));
	}
	return read;
}

} // namespace

Workers read_workers(Diagnostics &diagnostics, const Value &workers)
{
	Workers read;
	if (!expect_map(diagnostics, workers))
		return read;
	MapReader map(diagnostics, workers.node, "workers", worker_keys);
	read.where = map.where();
	if (auto lcores = map.get("lcores"))
		read.lcores = read_lcores(diagnostics, *lcores);
	read_int_field(diagnostics, map, "burst", limits::burst, read.burst);
	read_int_field(diagnostics, map, "copy_threshold", limits::copy_threshold, read.copy_threshold);
	read_int_field(diagnostics, map, "tx_drain_us", limits::tx_drain_us, read.tx_drain_us);
	read_int_field(diagnostics, map, "idle_sleep_us", limits::idle_sleep_us, read.idle_sleep_us);
	read_int_field(diagnostics, map, "reassembly_flows", limits::reassembly_flows,
		       read.reassembly_flows);
	read_int_field(diagnostics, map, "reassembly_timeout_ms", limits::reassembly_timeout_ms,
		       read.reassembly_timeout_ms);
	return read;
}

} // namespace mcr::config::detail
