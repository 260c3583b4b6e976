#include "xdp_stats.h"

#include <cerrno>
#include <string>
#include <vector>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

namespace mcr::bpf {

namespace {

// A per-CPU lookup fills one value for each possible CPU, not just online.
Result<size_t> possible_cpus()
{
	int cpus = libbpf_num_possible_cpus();

	if (cpus < 0)
		return make_error(cpus, "count possible CPUs");
	return static_cast<size_t>(cpus);
}

} // namespace

Result<XdpStats> read_xdp_stats(const XdpMaps &maps)
{
	auto cpus = possible_cpus();
	if (!cpus)
		return cpus.error();

	XdpStats stats{};
	std::vector<uint64_t> per_cpu(cpus.value());
	for (uint32_t key = 0; key < MCR_XDP_STAT__COUNT; ++key) {
		if (bpf_map_lookup_elem(maps.stats.get(), &key, per_cpu.data()) < 0)
			return make_error(-errno, "look up " MCR_XDP_STATS_MAP_NAME " slot " +
							  std::to_string(key));
		for (uint64_t packets : per_cpu)
			stats[key] += packets;
	}
	return stats;
}

Status clear_xdp_stats(const XdpMaps &maps)
{
	auto cpus = possible_cpus();
	if (!cpus)
		return cpus.error();

	const std::vector<uint64_t> zeros(cpus.value());
	for (uint32_t key = 0; key < MCR_XDP_STAT__COUNT; ++key)
		if (bpf_map_update_elem(maps.stats.get(), &key, zeros.data(), BPF_ANY) < 0)
			return make_error(-errno, "clear " MCR_XDP_STATS_MAP_NAME " slot " +
							  std::to_string(key));
	return {};
}

std::string_view xdp_stat_name(mcr_xdp_stat stat)
{
	switch (stat) {
	case MCR_XDP_STAT_REDIRECT:
		return "redirect";
	case MCR_XDP_STAT_REDIRECT_NO_XSK:
		return "redirect_no_xsk";
	case MCR_XDP_STAT_PASS_MATCH:
		return "pass_match";
	case MCR_XDP_STAT_PASS_OTHER:
		return "pass_other";
	case MCR_XDP_STAT_PASS_NON_IP:
		return "pass_non_ip";
	case MCR_XDP_STAT_PASS_MALFORMED:
		return "pass_malformed";
	case MCR_XDP_STAT_DROP_MALFORMED:
		return "drop_malformed";
	case MCR_XDP_STAT_DROP_FRAGMENT:
		return "drop_fragment";
	case MCR_XDP_STAT_DROP_STRICT:
		return "drop_strict";
	case MCR_XDP_STAT__COUNT:
		break;
	}
	return "unknown";
}

} // namespace mcr::bpf
