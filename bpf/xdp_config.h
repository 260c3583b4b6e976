// The program's run-time switches in mcr_config: where matched packets go
// (AF_XDP socket or kernel for af_packet) and whether the strict filter is on.
#pragma once

#include <cstdint>

#include "mcr_xdp_shared.h"
#include "xdp_maps.h"
#include "xdp_result.h"

namespace mcr::bpf {

// flags: mcr_xdp_config_flag bits. Takes effect from the next packet. The
// config's other field, which range maps hold entries, is left as it is.
Status set_xdp_flags(const XdpMaps &maps, uint32_t flags);
Result<uint32_t> read_xdp_flags(const XdpMaps &maps);

// mcr_xdp_config.ranges (mcr_xdp_ranges_held bits), which xdp_ranges.cpp
// keeps: sets or clears `bits`, leaving the flags and other bits alone.
Status set_xdp_ranges_held(const XdpMaps &maps, uint32_t bits, bool held);
Result<uint32_t> read_xdp_ranges_held(const XdpMaps &maps);

} // namespace mcr::bpf
