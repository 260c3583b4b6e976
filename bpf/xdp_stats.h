// The program's verdict counters (mcr_stats), summed over CPUs.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "mcr_xdp_shared.h"
#include "xdp_maps.h"
#include "xdp_result.h"

namespace mcr::bpf {

// Packets per verdict, indexed by mcr_xdp_stat.
using XdpStats = std::array<uint64_t, MCR_XDP_STAT__COUNT>;

Result<XdpStats> read_xdp_stats(const XdpMaps &maps);
// One counter, for a caller that watches only that one.
Result<uint64_t> read_xdp_stat(const XdpMaps &maps, mcr_xdp_stat stat);

// Zeroes every CPU's counters. Packets counted while this runs may be lost:
// meant for an operator's "clear", not for computing rates.
Status clear_xdp_stats(const XdpMaps &maps);

// snake_case names for console, telemetry and logs ("drop_strict"); the
// IPv6 counters are the IPv4 names with an ipv6_ prefix ("ipv6_drop_strict"),
// range matches the match names with a range_ one ("ipv6_range_pass_match").
std::string_view xdp_stat_name(mcr_xdp_stat stat);

} // namespace mcr::bpf
