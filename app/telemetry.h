// mcr's rte_telemetry commands (/mcr/...), served on DPDK's usual socket
// /var/run/dpdk/<file-prefix>/dpdk_telemetry.v2 for dpdk-telemetry.py.
#pragma once

namespace mcr::app {

class Runtime;

// The runtime must outlive the process's telemetry thread use: it is
// registered once after start and never unregistered (DPDK has no API for
// that); callbacks answer "not running" after unregister_telemetry().
void register_telemetry(Runtime *rt);
void unregister_telemetry();

} // namespace mcr::app
