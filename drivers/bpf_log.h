// libbpf and libxdp print to stderr by default; the af_xdp PMD calls them
// while it sets up its sockets. Route their chatter into mcr's log as
// mcr.bpf so operators see it only when they ask (--log-level mcr.bpf:debug).
#pragma once

namespace mcr::drivers {

void route_bpf_library_logs();

} // namespace mcr::drivers
