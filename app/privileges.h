// Least privilege: once ports are up and XDP programs attached, mcr keeps
// only the capabilities it still uses while running.
#pragma once

#include <string>

namespace mcr::app {

// Kept, and why:
//   CAP_NET_ADMIN  the af_xdp PMD detaches its XDP program (netlink) when
//                  the port closes at shutdown
//   CAP_BPF        rule add/del/reload update the XDP maps and show xdp
//                  reads them: bpf() needs it while unprivileged BPF is off
// Everything else (CAP_SYS_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK, ...) leaves the
// permitted, effective, inheritable and bounding sets. Returns 0 or a
// negative errno with *error.
int drop_privileges(std::string *error);

// The process's effective capabilities as text ("cap_bpf,cap_net_admin=ep").
std::string effective_capabilities();

} // namespace mcr::app
