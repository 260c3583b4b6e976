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

Result<uint64_t> read_xdp_stat(const XdpMaps &maps, mcr_xdp_stat stat)
{
	auto cpus = possible_cpus();
	if (!cpus)
		return cpus.error();

	std::vector<uint64_t> per_cpu(cpus.value());
	const uint32_t key = stat;
	if (bpf_map_lookup_elem(maps.stats.get(), &key, per_cpu.data()) < 0)
		return make_error(-errno, "look up " MCR_XDP_STATS_MAP_NAME " slot " +
						  std::to_string(key));
	uint64_t packets = 0;
	for (uint64_t n : per_cpu)
		packets += n;
	return packets;
}

Result<XdpStats> read_xdp_stats(const XdpMaps &maps)
{
	XdpStats stats{};
	for (uint32_t key = 0; key < MCR_XDP_STAT__COUNT; ++key) {
		auto packets = read_xdp_stat(maps, static_cast<mcr_xdp_stat>(key));
		if (!packets)
			return packets.error();
		stats[key] = packets.value();
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
	case MCR_XDP_STAT_NO_SOCKET:
		return "no_socket";
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
	case MCR_XDP_STAT_IPV6_REDIRECT:
		return "ipv6_redirect";
	case MCR_XDP_STAT_IPV6_NO_SOCKET:
		return "ipv6_no_socket";
	case MCR_XDP_STAT_IPV6_PASS_MATCH:
		return "ipv6_pass_match";
	case MCR_XDP_STAT_IPV6_PASS_OTHER:
		return "ipv6_pass_other";
	case MCR_XDP_STAT_IPV6_PASS_MALFORMED:
		return "ipv6_pass_malformed";
	case MCR_XDP_STAT_IPV6_DROP_MALFORMED:
		return "ipv6_drop_malformed";
	case MCR_XDP_STAT_IPV6_DROP_FRAGMENT:
		return "ipv6_drop_fragment";
	case MCR_XDP_STAT_IPV6_DROP_STRICT:
		return "ipv6_drop_strict";
	case MCR_XDP_STAT_RANGE_REDIRECT:
		return "range_redirect";
	case MCR_XDP_STAT_RANGE_NO_SOCKET:
		return "range_no_socket";
	case MCR_XDP_STAT_RANGE_PASS_MATCH:
		return "range_pass_match";
	case MCR_XDP_STAT_IPV6_RANGE_REDIRECT:
		return "ipv6_range_redirect";
	case MCR_XDP_STAT_IPV6_RANGE_NO_SOCKET:
		return "ipv6_range_no_socket";
	case MCR_XDP_STAT_IPV6_RANGE_PASS_MATCH:
		return "ipv6_range_pass_match";
	case MCR_XDP_STAT__COUNT:
		break;
	}
	return "unknown";
}

} // namespace mcr::bpf
