#include "traffic/ifaces.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>

namespace mcr::traffic {

namespace {

bool holds(const ifaddrs *a, const IpAddress &addr)
{
	if (a->ifa_addr == nullptr)
		return false;
	if (const auto *v6 = std::get_if<Ipv6>(&addr)) {
		return a->ifa_addr->sa_family == AF_INET6 &&
		       std::memcmp(reinterpret_cast<const sockaddr_in6 *>(a->ifa_addr)->sin6_addr.s6_addr,
				   v6->data(), v6->size()) == 0;
	}
	return a->ifa_addr->sa_family == AF_INET &&
	       ntohl(reinterpret_cast<const sockaddr_in *>(a->ifa_addr)->sin_addr.s_addr) ==
		       std::get<uint32_t>(addr);
}

} // namespace

unsigned iface_index_of(const IpAddress &addr)
{
	ifaddrs *list = nullptr;
	if (getifaddrs(&list) < 0)
		return 0;
	unsigned index = 0;
	for (const ifaddrs *a = list; a != nullptr && index == 0; a = a->ifa_next) {
		if (holds(a, addr))
			index = if_nametoindex(a->ifa_name);
	}
	freeifaddrs(list);
	return index;
}

unsigned iface_index(std::string_view addr_or_name)
{
	IpAddress addr;
	if (parse_ip(addr_or_name, &addr))
		return iface_index_of(addr);
	if (addr_or_name.empty() || addr_or_name.size() >= IFNAMSIZ)
		return 0;
	return if_nametoindex(std::string(addr_or_name).c_str());
}

bool iface_ipv6(const std::string &iface, Ipv6 *addr)
{
	ifaddrs *list = nullptr;
	if (getifaddrs(&list) < 0)
		return false;
	bool found = false;
	for (const ifaddrs *a = list; a != nullptr && !found; a = a->ifa_next) {
		if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET6 || iface != a->ifa_name)
			continue;
		const in6_addr &in6 = reinterpret_cast<const sockaddr_in6 *>(a->ifa_addr)->sin6_addr;
		if (IN6_IS_ADDR_LINKLOCAL(&in6))
			continue;
		std::memcpy(addr->data(), in6.s6_addr, addr->size());
		found = true;
	}
	freeifaddrs(list);
	return found;
}

} // namespace mcr::traffic
