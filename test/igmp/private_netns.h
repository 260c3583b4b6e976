// A private network namespace for the calling thread, entered on
// construction and left on destruction: each test gets its own interfaces,
// IGMP state and sysctls, and the host's are never touched. Whatever the
// test creates in it vanishes with its last socket.
#pragma once

#include <string>

namespace mcr::host::test {

class PrivateNetns {
public:
	PrivateNetns();
	~PrivateNetns();
	PrivateNetns(const PrivateNetns &) = delete;
	PrivateNetns &operator=(const PrivateNetns &) = delete;

	// Empty once entered; otherwise why not.
	const std::string &problem() const { return problem_; }

	// A veth pair, both ends up, `address` (CIDR) on the first end only so
	// that traffic the peer sends in is not from a local address. Returns
	// the first end's ifindex, or 0 with *why.
	unsigned add_veth(const std::string &name, const std::string &peer,
			  const std::string &address, std::string *why);

	// Runs `ip ARGS`; ip(8) runs in a child, which inherits this thread's
	// namespace.
	bool ip(const std::string &args, std::string *why);

	// Writes /proc/sys/<key> (slashes), which is per namespace for net.*.
	bool set_sysctl(const std::string &key, const std::string &value, std::string *why);

private:
	int original_ = -1; // the namespace to return to
	std::string problem_;
};

} // namespace mcr::host::test
