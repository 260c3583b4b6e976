// Kernel multicast memberships held on behalf of relay rules. The PMDs
// receive a port's traffic below the IP stack, so nothing would otherwise
// tell the network (IGMP and MLD reports, answers to queries) or the NIC's
// multicast filter that mcr wants a group: helper sockets (AF_INET for
// IPv4 groups, AF_INET6 for IPv6 ones) join it on the port's kernel
// interface and the kernel does the rest.
//
// Control plane only (main lcore); not thread-safe.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/ip_address.h"

namespace mcr::host {

struct MembershipSocket; // an fd and what the kernel holds on it

class MulticastMemberships {
public:
	MulticastMemberships();
	~MulticastMemberships();
	MulticastMemberships(const MulticastMemberships &) = delete;
	MulticastMemberships &operator=(const MulticastMemberships &) = delete;
	MulticastMemberships(MulticastMemberships &&) = delete;
	MulticastMemberships &operator=(MulticastMemberships &&) = delete;

	// Reference-counted per (ifindex, group, source): the first reference
	// joins, further ones only count. A source of all zeros (0, ::) joins
	// any-source (IGMPv3/MLDv2 EXCLUDE {}), another one source-specific
	// (INCLUDE {source}); it must be of the group's family. IPv4 in host
	// order, IPv6 in network order. Link-local and interface-local IPv6
	// groups are joined like any other: which groups to relay is the
	// rules' business. Returns 0, or a negative errno with *error saying
	// why: -EINVAL for a group outside 224.0.0.0/4 or ff00::/8, or a source
	// that cannot send or is of the other family; -ENODEV for an unknown
	// ifindex; -EAFNOSUPPORT for an IPv6 group on an interface without
	// IPv6 (disabled, or the kernel has none); -ENOBUFS or -ENOMEM when the
	// kernel refuses even a fresh socket; otherwise what the kernel said.
	int join(unsigned ifindex, const IpAddress &group, const IpAddress &source,
		 std::string *error);

	// Drops one reference; the last one leaves. -ENOENT when not joined.
	// The reference is gone even when the kernel reports an error.
	int leave(unsigned ifindex, const IpAddress &group, const IpAddress &source,
		  std::string *error);

	// Leaves everything and closes every helper socket.
	void leave_all();

	// Distinct (ifindex, group, source) joined.
	size_t memberships() const { return memberships_.size(); }
	// Helper sockets open, both families; grows past one a family when the
	// per-socket limits are reached: net.ipv4.igmp_max_memberships and
	// igmp_max_msf for IPv4, net.ipv6.mld_max_msf for IPv6, and for both
	// the socket option memory, net.core.optmem_max (IPv6 has no group
	// count limit of its own).
	size_t sockets() const { return sockets_.size(); }
	// References held on one membership; 0 when not joined.
	unsigned references(unsigned ifindex, const IpAddress &group, const IpAddress &source) const;

private:
	struct Key {
		unsigned ifindex;
		IpAddress group;
		IpAddress source; // all zeros: any source
		auto operator<=>(const Key &) const = default;
	};
	struct Membership {
		unsigned references;
		MembershipSocket *socket; // the one socket holding it in the kernel
	};

	// Joins on the first socket of the group's family that takes it,
	// opening one if none does.
	int place(const Key &key, MembershipSocket **placed, std::string *reason);

	std::map<Key, Membership> memberships_;
	std::vector<std::unique_ptr<MembershipSocket>> sockets_;
};

} // namespace mcr::host
