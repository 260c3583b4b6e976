// Least privilege: once ports are up and XDP programs attached, mcr keeps
// only the capabilities it still uses while running, and with --user it
// also becomes that user.
#pragma once

#include <sys/types.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace mcr::app {

// The user mcr switches to (--user NAME), looked up before anything starts
// so that the switch itself needs no name service.
struct RunAs {
	std::string name;
	uid_t uid = 0;
	gid_t gid = 0;               // the user's primary group
	std::vector<gid_t> groups;   // supplementary groups (getgrouplist), with gid
};

// Not a usage error: the name is well formed but the system does not know it.
class UnknownUser : public std::runtime_error {
	using std::runtime_error::runtime_error;
};

// Looks NAME up in the passwd and group databases. Throws UnknownUser
// ("--user: no such user 'NAME'") or std::runtime_error.
RunAs lookup_user(const std::string &name);

// Kept, and why:
//   CAP_NET_ADMIN  the af_xdp PMD detaches its XDP program (netlink) when
//                  the port closes at shutdown
//   CAP_BPF        rule add/del/reload update the XDP maps and show xdp
//                  reads them: bpf() needs it while unprivileged BPF is off
// Everything else (CAP_SYS_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK, ...) leaves the
// permitted, effective, inheritable and bounding sets of every thread.
//
// With a user, every thread first takes that user's supplementary groups,
// gid and uid (real, effective, saved), keeping the two capabilities above.
// With reopen_ports (--reopen-ports), CAP_NET_RAW, CAP_IPC_LOCK and
// CAP_SYS_ADMIN are kept too: what opening a port again on a re-created
// interface needs (doc/reliability.md).
// Returns 0 or a negative errno with *error; on error with a user, the
// process may be half switched and must not go on.
int drop_privileges(const RunAs *user, bool reopen_ports, std::string *error);

// The process's effective capabilities as text ("cap_bpf,cap_net_admin=ep").
std::string effective_capabilities();

} // namespace mcr::app
