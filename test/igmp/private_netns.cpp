#include "private_netns.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace mcr::host::test {

PrivateNetns::PrivateNetns()
{
	original_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (original_ < 0) {
		problem_ = std::string("open /proc/thread-self/ns/net: ") + strerror(errno);
		return;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		problem_ = std::string("unshare(CLONE_NEWNET): ") + strerror(errno);
		close(original_);
		original_ = -1;
	}
}

PrivateNetns::~PrivateNetns()
{
	if (original_ < 0)
		return;
	// Staying behind would run every later test in this namespace.
	if (setns(original_, CLONE_NEWNET) < 0)
		std::abort();
	close(original_);
}

bool PrivateNetns::ip(const std::string &args, std::string *why)
{
	const std::string command = "ip " + args + " >/dev/null 2>&1";
	if (std::system(command.c_str()) == 0)
		return true;
	*why = "`" + command + "` failed";
	return false;
}

unsigned PrivateNetns::add_veth(const std::string &name, const std::string &peer,
				const std::string &address, std::string *why)
{
	if (!ip("link add " + name + " type veth peer name " + peer, why) ||
	    !ip("addr add " + address + " dev " + name, why) ||
	    !ip("link set " + name + " up", why) || !ip("link set " + peer + " up", why))
		return 0;
	const unsigned index = if_nametoindex(name.c_str());
	if (index == 0)
		*why = name + ": " + strerror(errno);
	return index;
}

bool PrivateNetns::set_sysctl(const std::string &key, const std::string &value, std::string *why)
{
	std::ofstream file("/proc/sys/" + key);
	file << value << '\n';
	file.close();
	if (file)
		return true;
	*why = "cannot write " + value + " to /proc/sys/" + key;
	return false;
}

} // namespace mcr::host::test
