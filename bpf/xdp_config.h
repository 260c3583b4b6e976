// The program's run-time switches in mcr_config: where matched packets go
// (AF_XDP socket or kernel for af_packet) and whether the strict filter is on.
#pragma once

#include <cstdint>

#include "mcr_xdp_shared.h"
#include "xdp_maps.h"
#include "xdp_result.h"

namespace mcr::bpf {

// flags: mcr_xdp_config_flag bits. Takes effect from the next packet.
Status set_xdp_flags(const XdpMaps &maps, uint32_t flags);
Result<uint32_t> read_xdp_flags(const XdpMaps &maps);

} // namespace mcr::bpf
