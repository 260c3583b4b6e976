#include "private_netns.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mcr::bpf::test {

namespace {

bool bring_up(const char *name)
{
	UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	ifreq request{};
	std::strncpy(request.ifr_name, name, IFNAMSIZ - 1);
	if (!sock || ::ioctl(sock.get(), SIOCGIFFLAGS, &request) < 0)
		return false;
	request.ifr_flags |= IFF_UP;
	return ::ioctl(sock.get(), SIOCSIFFLAGS, &request) == 0;
}

} // namespace

PrivateNetns::PrivateNetns() : original_(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC))
{
	if (!original_) {
		problem_ = std::string("open /proc/self/ns/net: ") + std::strerror(errno);
		return;
	}
	if (::unshare(CLONE_NEWNET) < 0) {
		lacks_privilege_ = errno == EPERM;
		problem_ = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
		original_.reset();
		return;
	}
	if (!bring_up("lo"))
		problem_ = std::string("bring lo up: ") + std::strerror(errno);
	loopback_ = static_cast<int>(::if_nametoindex("lo"));
}

PrivateNetns::~PrivateNetns()
{
	// Objects bound to the namespace (links, sockets) must be gone by now;
	// the namespace itself goes when its last reference does.
	if (original_ && ::setns(original_.get(), CLONE_NEWNET) < 0)
		std::abort(); // the rest of the run would happen in the wrong place
}

int PrivateNetns::add_veth(const std::string &name, const std::string &peer, unsigned rx_queues)
{
	// ip(8) runs in a child, which inherits this thread's namespace.
	const std::string queues =
		rx_queues > 1 ? " numrxqueues " + std::to_string(rx_queues) : std::string();
	const std::string command = "ip link add " + name + queues + " type veth peer name " +
				    peer + " >/dev/null 2>&1";
	if (std::system(command.c_str()) != 0)
		return 0;
	bring_up(name.c_str());
	return static_cast<int>(::if_nametoindex(name.c_str()));
}

} // namespace mcr::bpf::test
