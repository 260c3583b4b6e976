// Kernel multicast memberships held on behalf of relay rules. The PMDs
// receive a port's traffic below the IP stack, so nothing would otherwise
// tell the network (IGMP reports, answers to queries) or the NIC's multicast
// filter that mcr wants a group: helper AF_INET sockets join it on the port's
// kernel interface and the kernel does the rest.
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

namespace mcr::host {

struct IgmpHelperSocket; // an fd and what the kernel holds on it

class IgmpMemberships {
public:
	IgmpMemberships();
	~IgmpMemberships();
	IgmpMemberships(const IgmpMemberships &) = delete;
	IgmpMemberships &operator=(const IgmpMemberships &) = delete;
	IgmpMemberships(IgmpMemberships &&) = delete;
	IgmpMemberships &operator=(IgmpMemberships &&) = delete;

	// Reference-counted per (ifindex, group, source): the first reference
	// joins, further ones only count. source 0 joins any-source (IGMPv3
	// EXCLUDE {}), otherwise source-specific (INCLUDE {source}). Addresses in
	// host byte order. Returns 0, or a negative errno with *error saying why:
	// -EINVAL for a group outside 224.0.0.0/4 or a source that cannot send,
	// -ENODEV for an unknown ifindex, -ENOBUFS when the kernel refuses even a
	// fresh socket.
	int join(unsigned ifindex, uint32_t group, uint32_t source, std::string *error);

	// Drops one reference; the last one leaves. -ENOENT when not joined.
	// The reference is gone even when the kernel reports an error.
	int leave(unsigned ifindex, uint32_t group, uint32_t source, std::string *error);

	// Leaves everything and closes every helper socket.
	void leave_all();

	// Distinct (ifindex, group, source) joined.
	size_t memberships() const { return memberships_.size(); }
	// Helper sockets open; grows past one when the per-socket limits
	// (net.ipv4.igmp_max_memberships, igmp_max_msf) are reached.
	size_t sockets() const { return sockets_.size(); }
	// References held on one membership; 0 when not joined.
	unsigned references(unsigned ifindex, uint32_t group, uint32_t source) const;

private:
	struct Key {
		unsigned ifindex;
		uint32_t group;
		uint32_t source; // 0: any source
		auto operator<=>(const Key &) const = default;
	};
	struct Membership {
		unsigned references;
		IgmpHelperSocket *socket; // the one socket holding it in the kernel
	};

	// Joins on the first socket that takes it, opening one if none does.
	int place(const Key &key, IgmpHelperSocket **placed, std::string *reason);

	std::map<Key, Membership> memberships_;
	std::vector<std::unique_ptr<IgmpHelperSocket>> sockets_;
};

} // namespace mcr::host
