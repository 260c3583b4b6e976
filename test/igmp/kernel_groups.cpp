#include "kernel_groups.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mcr::host::test {

namespace {

// /proc/net/mcfilter starts at the first device whose most recently joined
// group has sources (igmp_mcf_get_first looks at no other group), so an
// any-source join on a device hides every source filter of the devices
// listed before it, its own included. lo is listed first: a source-specific
// probe on it makes the listing complete.
class McfilterProbe {
public:
	McfilterProbe() : fd_(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0))
	{
		group_source_req request{};
		request.gsr_interface = ifindex();
		set(&request.gsr_group, kGroup);
		set(&request.gsr_source, kSource);
		setsockopt(fd_, IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP, &request, sizeof(request));
	}
	~McfilterProbe() { close(fd_); }
	McfilterProbe(const McfilterProbe &) = delete;
	McfilterProbe &operator=(const McfilterProbe &) = delete;

	static unsigned ifindex() { return if_nametoindex("lo"); }

private:
	static constexpr uint32_t kGroup = ipv4(239, 255, 255, 254);
	static constexpr uint32_t kSource = ipv4(198, 19, 255, 254);

	static void set(sockaddr_storage *storage, uint32_t host)
	{
		sockaddr_in address{};
		address.sin_family = AF_INET;
		address.sin_addr.s_addr = htonl(host);
		std::memcpy(storage, &address, sizeof(address));
	}

	int fd_;
};

} // namespace

// Device lines: "2\tmg0       :     2      V3"; group lines start with tabs:
// "\t\t\t\t030201EF     1 0:00000000\t\t0", the address printed as the
// network-order word, hence ntohl.
std::vector<KernelGroup> kernel_groups()
{
	std::vector<KernelGroup> groups;
	std::ifstream file("/proc/thread-self/net/igmp");
	std::string line;
	std::getline(file, line); // header
	unsigned ifindex = 0;
	std::string device;
	while (std::getline(file, line)) {
		std::istringstream fields(line);
		if (line.empty())
			continue;
		if (line[0] != '\t') {
			fields >> ifindex >> device;
			continue;
		}
		uint32_t word = 0;
		unsigned users = 0;
		fields >> std::hex >> word >> std::dec >> users;
		groups.push_back({ifindex, device, ntohl(word), users});
	}
	return groups;
}

// "  3    mg0 0xef010203 0xc6120009      1      0", addresses in host order.
std::vector<KernelSourceFilter> kernel_source_filters()
{
	const McfilterProbe probe;
	std::vector<KernelSourceFilter> filters;
	std::ifstream file("/proc/thread-self/net/mcfilter");
	std::string line;
	std::getline(file, line); // header
	while (std::getline(file, line)) {
		std::istringstream fields(line);
		KernelSourceFilter filter{};
		std::string device;
		fields >> filter.ifindex >> device >> std::hex >> filter.group >> filter.source >>
			std::dec >> filter.include >> filter.exclude;
		if (fields && filter.ifindex != McfilterProbe::ifindex())
			filters.push_back(filter);
	}
	return filters;
}

unsigned kernel_group_users(unsigned ifindex, uint32_t group)
{
	for (const KernelGroup &joined : kernel_groups())
		if (joined.ifindex == ifindex && joined.group == group)
			return joined.users;
	return 0;
}

std::vector<uint32_t> kernel_routable_groups(unsigned ifindex)
{
	std::vector<uint32_t> groups;
	for (const KernelGroup &joined : kernel_groups())
		if (joined.ifindex == ifindex && (joined.group >> 8) != ipv4(224, 0, 0, 0) >> 8)
			groups.push_back(joined.group);
	std::sort(groups.begin(), groups.end());
	return groups;
}

std::vector<uint32_t> kernel_included_sources(unsigned ifindex, uint32_t group)
{
	std::vector<uint32_t> sources;
	for (const KernelSourceFilter &filter : kernel_source_filters())
		if (filter.ifindex == ifindex && filter.group == group && filter.include > 0)
			sources.push_back(filter.source);
	std::sort(sources.begin(), sources.end());
	return sources;
}

} // namespace mcr::host::test

namespace mcr::host::test {

namespace {

// As McfilterProbe, for /proc/net/mcfilter6 (igmp6_mcf_get_first).
class Mcfilter6Probe {
public:
	Mcfilter6Probe() : fd_(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0))
	{
		group_source_req request{};
		request.gsr_interface = ifindex();
		set(&request.gsr_group, "ff3e::ffff:fffe");
		set(&request.gsr_source, "2001:2:ffff::fffe");
		setsockopt(fd_, IPPROTO_IPV6, MCAST_JOIN_SOURCE_GROUP, &request, sizeof(request));
	}
	~Mcfilter6Probe() { close(fd_); }
	Mcfilter6Probe(const Mcfilter6Probe &) = delete;
	Mcfilter6Probe &operator=(const Mcfilter6Probe &) = delete;

	static unsigned ifindex() { return if_nametoindex("lo"); }

private:
	static void set(sockaddr_storage *storage, const char *text)
	{
		sockaddr_in6 address{};
		address.sin6_family = AF_INET6;
		inet_pton(AF_INET6, text, &address.sin6_addr);
		std::memcpy(storage, &address, sizeof(address));
	}

	int fd_;
};

// 32 hex digits, as %pi6 prints an address.
bool parse_hex6(const std::string &text, Ipv6 *out)
{
	if (text.size() != 32)
		return false;
	for (size_t i = 0; i < 16; ++i)
		(*out)[i] = static_cast<uint8_t>(std::stoul(text.substr(2 * i, 2), nullptr, 16));
	return true;
}

} // namespace

// "3    mg0             ff3e0000000000000000000000000001     1 00000004 0"
std::vector<KernelGroup6> kernel_groups6()
{
	std::vector<KernelGroup6> groups;
	std::ifstream file("/proc/thread-self/net/igmp6");
	std::string line;
	while (std::getline(file, line)) {
		std::istringstream fields(line);
		KernelGroup6 joined{};
		std::string group;
		fields >> joined.ifindex >> joined.device >> group >> joined.users;
		if (fields && parse_hex6(group, &joined.group))
			groups.push_back(joined);
	}
	return groups;
}

// "  3    mg0 ff3e...0001 20010002...0009      1      0"
std::vector<KernelSourceFilter6> kernel_source_filters6()
{
	const Mcfilter6Probe probe;
	std::vector<KernelSourceFilter6> filters;
	std::ifstream file("/proc/thread-self/net/mcfilter6");
	std::string line;
	std::getline(file, line); // header
	while (std::getline(file, line)) {
		std::istringstream fields(line);
		KernelSourceFilter6 filter{};
		std::string device, group, source;
		fields >> filter.ifindex >> device >> group >> source >> filter.include >>
			filter.exclude;
		if (fields && parse_hex6(group, &filter.group) && parse_hex6(source, &filter.source) &&
		    filter.ifindex != Mcfilter6Probe::ifindex())
			filters.push_back(filter);
	}
	return filters;
}

unsigned kernel_group6_users(unsigned ifindex, const Ipv6 &group)
{
	for (const KernelGroup6 &joined : kernel_groups6())
		if (joined.ifindex == ifindex && joined.group == group)
			return joined.users;
	return 0;
}

std::vector<Ipv6> kernel_routable_groups6(unsigned ifindex)
{
	std::vector<Ipv6> groups;
	for (const KernelGroup6 &joined : kernel_groups6())
		if (joined.ifindex == ifindex && (joined.group[1] & 0x0f) > 2)
			groups.push_back(joined.group);
	std::sort(groups.begin(), groups.end());
	return groups;
}

std::vector<Ipv6> kernel_included_sources6(unsigned ifindex, const Ipv6 &group)
{
	std::vector<Ipv6> sources;
	for (const KernelSourceFilter6 &filter : kernel_source_filters6())
		if (filter.ifindex == ifindex && filter.group == group && filter.include > 0)
			sources.push_back(filter.source);
	std::sort(sources.begin(), sources.end());
	return sources;
}

} // namespace mcr::host::test
