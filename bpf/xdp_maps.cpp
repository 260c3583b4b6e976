#include "xdp_maps.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "mcr_xdp_shared.h"

namespace mcr::bpf {

namespace {

struct MapSlot {
	std::string_view name;
	uint32_t key_size;
	uint32_t value_size;
	UniqueFd XdpMaps::*fd;
};

const std::array<MapSlot, 9> map_slots{{
	{MCR_XDP_RULES_MAP_NAME, sizeof(mcr_rule_key), sizeof(mcr_rule_flags), &XdpMaps::rules},
	{MCR_XDP_GROUPS_MAP_NAME, sizeof(mcr_group_key), sizeof(mcr_group_refs), &XdpMaps::groups},
	{MCR_XDP_RULES6_MAP_NAME, sizeof(mcr_rule6_key), sizeof(mcr_rule6_flags), &XdpMaps::rules6},
	{MCR_XDP_GROUPS6_MAP_NAME, sizeof(mcr_group6_key), sizeof(mcr_group_refs),
	 &XdpMaps::groups6},
	{MCR_XDP_RANGES_MAP_NAME, sizeof(mcr_range_key), sizeof(mcr_range_value), &XdpMaps::ranges},
	{MCR_XDP_RANGES6_MAP_NAME, sizeof(mcr_range6_key), sizeof(mcr_range_value),
	 &XdpMaps::ranges6},
	{MCR_XDP_CONFIG_MAP_NAME, sizeof(uint32_t), sizeof(mcr_xdp_config), &XdpMaps::config},
	{MCR_XDP_STATS_MAP_NAME, sizeof(uint32_t), sizeof(uint64_t), &XdpMaps::stats},
	{MCR_XDP_XSKS_MAP_NAME, sizeof(uint32_t), sizeof(uint32_t), &XdpMaps::xsks},
}};

std::string prog_label(const bpf_prog_info &info)
{
	return "XDP program id " + std::to_string(info.id);
}

Result<std::vector<uint32_t>> map_ids_of(int prog_fd, bpf_prog_info &info)
{
	uint32_t len = sizeof(info);

	info = {};
	if (int err = bpf_obj_get_info_by_fd(prog_fd, &info, &len); err)
		return make_error(err, "bpf_obj_get_info_by_fd(program)");
	if (std::string_view(info.name) != MCR_XDP_PROG_NAME)
		return make_error(-EINVAL, prog_label(info) + " is '" + info.name +
						   "', not mcr's '" MCR_XDP_PROG_NAME "'");

	// Second call: the kernel fills only as many ids as we make room for.
	std::vector<uint32_t> ids(info.nr_map_ids);
	bpf_prog_info with_ids{};
	with_ids.nr_map_ids = static_cast<uint32_t>(ids.size());
	with_ids.map_ids = reinterpret_cast<uintptr_t>(ids.data());
	len = sizeof(with_ids);
	if (int err = bpf_obj_get_info_by_fd(prog_fd, &with_ids, &len); err)
		return make_error(err, "bpf_obj_get_info_by_fd(" + prog_label(info) + " maps)");
	ids.resize(std::min<size_t>(ids.size(), with_ids.nr_map_ids));
	return ids;
}

Status take_map(XdpMaps &maps, uint32_t id, const std::string &prog)
{
	UniqueFd fd(bpf_map_get_fd_by_id(id));
	if (!fd)
		return make_error(-errno, "bpf_map_get_fd_by_id(" + std::to_string(id) + ")");

	bpf_map_info info{};
	uint32_t len = sizeof(info);
	if (int err = bpf_obj_get_info_by_fd(fd.get(), &info, &len); err)
		return make_error(err, "bpf_obj_get_info_by_fd(map " + std::to_string(id) + ")");

	for (const MapSlot &slot : map_slots) {
		if (std::string_view(info.name) != slot.name)
			continue;
		if (info.key_size != slot.key_size || info.value_size != slot.value_size)
			return make_error(-EINVAL, prog + " map " + info.name + " has key/value size " +
							   std::to_string(info.key_size) + "/" +
							   std::to_string(info.value_size) + ", expected " +
							   std::to_string(slot.key_size) + "/" +
							   std::to_string(slot.value_size) +
							   " (object from another mcr build?)");
		maps.*slot.fd = std::move(fd);
		break;
	}
	return {};
}

} // namespace

Result<XdpMaps> xdp_maps_of_program(int prog_fd)
{
	bpf_prog_info info{};
	auto ids = map_ids_of(prog_fd, info);
	if (!ids)
		return ids.error();

	XdpMaps maps;
	const std::string prog = prog_label(info);
	for (uint32_t id : ids.value())
		if (Status taken = take_map(maps, id, prog); !taken)
			return taken.error();

	for (const MapSlot &slot : map_slots)
		if (!(maps.*slot.fd))
			return make_error(-ENOENT, prog + " has no map " + std::string(slot.name));
	return maps;
}

Result<XdpMaps> find_xdp_maps(int ifindex)
{
	const std::string where = "ifindex " + std::to_string(ifindex);
	bpf_xdp_query_opts query{};
	query.sz = sizeof(query);

	if (int err = bpf_xdp_query(ifindex, 0, &query); err)
		return make_error(err, "bpf_xdp_query(" + where + ")");

	// Native and generic cannot be attached together, so at most one is set.
	uint32_t id = query.prog_id ? query.prog_id
				    : query.drv_prog_id ? query.drv_prog_id : query.skb_prog_id;
	if (id == 0)
		return make_error(-ENOENT, "no XDP program on " + where);

	UniqueFd prog(bpf_prog_get_fd_by_id(id));
	if (!prog)
		return make_error(-errno, "bpf_prog_get_fd_by_id(" + std::to_string(id) + ") on " +
						  where);
	return xdp_maps_of_program(prog.get());
}

} // namespace mcr::bpf
