#include "xdp_config.h"

#include <cerrno>
#include <string>

#include <bpf/bpf.h>
#include <linux/bpf.h>

namespace mcr::bpf {

namespace {

constexpr uint32_t known_flags = MCR_XDP_F_REDIRECT | MCR_XDP_F_STRICT;

} // namespace

Status set_xdp_flags(const XdpMaps &maps, uint32_t flags)
{
	const uint32_t key = 0;
	mcr_xdp_config config{};

	// A bit the program does not know would be silently ignored.
	if (flags & ~known_flags)
		return make_error(-EINVAL, "unknown XDP config flags " + std::to_string(flags));
	// config.ranges is the range control plane's (xdp_ranges.cpp): kept.
	if (bpf_map_lookup_elem(maps.config.get(), &key, &config) < 0)
		return make_error(-errno, "look up " MCR_XDP_CONFIG_MAP_NAME);
	config.flags = flags;
	if (bpf_map_update_elem(maps.config.get(), &key, &config, BPF_ANY) < 0)
		return make_error(-errno, "update " MCR_XDP_CONFIG_MAP_NAME);
	return {};
}

Status set_xdp_ranges_held(const XdpMaps &maps, uint32_t bits, bool held)
{
	const uint32_t key = 0;
	mcr_xdp_config config{};

	if (bpf_map_lookup_elem(maps.config.get(), &key, &config) < 0)
		return make_error(-errno, "look up " MCR_XDP_CONFIG_MAP_NAME);
	const uint32_t ranges = held ? config.ranges | bits : config.ranges & ~bits;
	if (ranges == config.ranges)
		return {};
	config.ranges = ranges;
	if (bpf_map_update_elem(maps.config.get(), &key, &config, BPF_ANY) < 0)
		return make_error(-errno, "update " MCR_XDP_CONFIG_MAP_NAME);
	return {};
}

Result<uint32_t> read_xdp_ranges_held(const XdpMaps &maps)
{
	const uint32_t key = 0;
	mcr_xdp_config config{};

	if (bpf_map_lookup_elem(maps.config.get(), &key, &config) < 0)
		return make_error(-errno, "look up " MCR_XDP_CONFIG_MAP_NAME);
	return config.ranges;
}

Result<uint32_t> read_xdp_flags(const XdpMaps &maps)
{
	const uint32_t key = 0;
	mcr_xdp_config config{};

	if (bpf_map_lookup_elem(maps.config.get(), &key, &config) < 0)
		return make_error(-errno, "look up " MCR_XDP_CONFIG_MAP_NAME);
	return config.flags;
}

} // namespace mcr::bpf
