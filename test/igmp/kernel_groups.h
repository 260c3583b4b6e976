// The kernel's own view of multicast memberships, from /proc: the ground
// truth the tests compare MulticastMemberships against. Read through
// /proc/thread-self so that it is this thread's namespace.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/ip_address.h"

namespace mcr::host::test {

constexpr uint32_t ipv4(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	return a << 24 | b << 16 | c << 8 | d;
}

// One line of /proc/net/igmp: a group joined on a device.
struct KernelGroup {
	unsigned ifindex;
	std::string device;
	uint32_t group; // host byte order
	unsigned users; // sockets (and kernel users) holding it
};

// One line of /proc/net/mcfilter: a source of a group on a device.
struct KernelSourceFilter {
	unsigned ifindex;
	uint32_t group;  // host byte order
	uint32_t source; // host byte order
	unsigned include; // sockets with the source in an INCLUDE list
	unsigned exclude;
};

std::vector<KernelGroup> kernel_groups();
// Every device but lo, whose memberships the tests never use.
std::vector<KernelSourceFilter> kernel_source_filters();

// Users of group on ifindex; 0 when the kernel does not list it.
unsigned kernel_group_users(unsigned ifindex, uint32_t group);
// Groups on ifindex outside 224.0.0.0/24 (the kernel joins 224.0.0.1 itself).
std::vector<uint32_t> kernel_routable_groups(unsigned ifindex);
// Sources the kernel includes for group on ifindex.
std::vector<uint32_t> kernel_included_sources(unsigned ifindex, uint32_t group);

} // namespace mcr::host::test

namespace mcr::host::test {

// One line of /proc/net/igmp6: an IPv6 group joined on a device.
struct KernelGroup6 {
	unsigned ifindex;
	std::string device;
	Ipv6 group;
	unsigned users;
};

// One line of /proc/net/mcfilter6: a source of a group on a device.
struct KernelSourceFilter6 {
	unsigned ifindex;
	Ipv6 group;
	Ipv6 source;
	unsigned include;
	unsigned exclude;
};

std::vector<KernelGroup6> kernel_groups6();
// Every device but lo, whose memberships the tests never use.
std::vector<KernelSourceFilter6> kernel_source_filters6();

unsigned kernel_group6_users(unsigned ifindex, const Ipv6 &group);
// Groups on ifindex of scope wider than link-local (the kernel joins
// ff01::1, ff02::1 and solicited-node groups itself), sorted.
std::vector<Ipv6> kernel_routable_groups6(unsigned ifindex);
std::vector<Ipv6> kernel_included_sources6(unsigned ifindex, const Ipv6 &group);

} // namespace mcr::host::test
