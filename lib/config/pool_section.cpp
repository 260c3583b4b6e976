// pools: the mbuf size classes packets are copied into for fan-out.
#include <array>

#include <fmt/format.h>

#include "config/names.h"
#include "config/sections.h"

namespace mcr::config::detail {

namespace {

using namespace std::string_view_literals;

constexpr std::array pool_keys = {"name"sv, "data_size"sv, "count"sv};

std::optional<Pool> read_pool(Diagnostics &diagnostics, const Value &item,
			      const std::vector<Pool> &earlier)
{
	if (!expect_map(diagnostics, item))
		return std::nullopt;
	MapReader map(diagnostics, item.node, "pool", pool_keys);
	Pool pool;
	pool.where = map.where();
	std::optional<std::string> name;
	if (auto value = map.require("name")) {
		name = read_string(diagnostics, *value);
		if (name && !is_valid_name(*name, limits::max_pool_name))
			diagnostics.add(
				value->where,
				fmt::format("invalid pool name '{}' (expected 1 to {} letters, "
					    "digits, '_' or '-')",
					    *name, limits::max_pool_name));
	}
	if (map.require("data_size"))
		read_int_field(diagnostics, map, "data_size", limits::data_size, pool.data_size);
	if (map.require("count"))
		read_int_field(diagnostics, map, "count", limits::pool_count, pool.count);

	if (!name)
		return std::nullopt;
	pool.name = *name;
	for (const auto &other : earlier) {
		if (other.name == pool.name) {
			diagnostics.add(
				pool.where,
				fmt::format("duplicate pool name '{}' (first defined at {})",
					    pool.name, format_location(other.where)));
			return std::nullopt;
		}
	}
	return pool;
}

} // namespace

std::vector<Pool> read_pools(Diagnostics &diagnostics, const Value &pools)
{
	std::vector<Pool> read;
	if (!expect_list(diagnostics, pools))
		return read;
	// An empty list is more likely a mistake than a wish for the default.
	if (pools.node.size() == 0)
		diagnostics.add(pools.where, "'pools' must list at least one pool (or be left out "
					     "for the default pool)");
	for (const auto &item : list_items(diagnostics, pools))
		if (auto pool = read_pool(diagnostics, item, read))
			read.push_back(std::move(*pool));
	return read;
}

} // namespace mcr::config::detail
