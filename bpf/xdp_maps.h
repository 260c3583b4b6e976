// The maps of one loaded instance of mcr's XDP program, as owned
// descriptors. They come from the object mcr loads itself (af_packet ports)
// or from the program attached to an interface (af_xdp ports, where the
// DPDK PMD loads the object file and mcr only steers it).
#pragma once

#include "xdp_fd.h"
#include "xdp_result.h"

namespace mcr::bpf {

struct XdpMaps {
	UniqueFd rules;   // mcr_rules
	UniqueFd groups;  // mcr_groups
	UniqueFd rules6;  // mcr_rules6
	UniqueFd groups6; // mcr_groups6
	UniqueFd ranges;  // mcr_ranges
	UniqueFd ranges6; // mcr_ranges6
	UniqueFd config;  // mcr_config
	UniqueFd stats;   // mcr_stats
	UniqueFd xsks;    // xsks_map
};

// The maps of a loaded program, which must be mcr's: its name and every
// map's name, key and value size are checked, so an object from another
// build of mcr is refused rather than written with the wrong layout.
Result<XdpMaps> xdp_maps_of_program(int prog_fd);

// The same, for the XDP program attached to ifindex in any mode.
Result<XdpMaps> find_xdp_maps(int ifindex);

} // namespace mcr::bpf
