// A fresh network namespace for the calling thread, left on destruction:
// tests attach programs and bind sockets to its interfaces without touching
// the host's, and whatever they create vanishes with it.
#pragma once

#include <string>

#include "xdp_fd.h"

namespace mcr::bpf::test {

class PrivateNetns {
public:
	PrivateNetns();
	~PrivateNetns();
	PrivateNetns(const PrivateNetns &) = delete;
	PrivateNetns &operator=(const PrivateNetns &) = delete;

	// Empty when entered; otherwise why not (EPERM without CAP_SYS_ADMIN).
	const std::string &problem() const { return problem_; }
	bool lacks_privilege() const { return lacks_privilege_; }

	// The namespace's loopback, brought up.
	int loopback() const { return loopback_; }

	// A veth pair made with ip(8), or 0 when it cannot be made here.
	// rx_queues > 1 gives `name` that many RX queues.
	int add_veth(const std::string &name, const std::string &peer, unsigned rx_queues = 1);

private:
	UniqueFd original_;
	std::string problem_;
	bool lacks_privilege_ = false;
	int loopback_ = 0;
};

} // namespace mcr::bpf::test
