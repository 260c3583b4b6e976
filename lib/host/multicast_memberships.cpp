#include "host/multicast_memberships.h"

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include <fmt/format.h>

namespace mcr::host {

namespace {

class UniqueFd {
public:
	explicit UniqueFd(int fd = -1) : fd_(fd) {}
	~UniqueFd()
	{
		if (fd_ >= 0)
			close(fd_);
	}
	UniqueFd(UniqueFd &&other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
	UniqueFd &operator=(UniqueFd &&other) noexcept
	{
		if (this != &other) {
			if (fd_ >= 0)
				close(fd_);
			fd_ = std::exchange(other.fd_, -1);
		}
		return *this;
	}
	int get() const { return fd_; }

private:
	int fd_;
};

struct GroupOnIface {
	unsigned ifindex;
	IpAddress group;
	auto operator<=>(const GroupOnIface &) const = default;
};

// What one socket holds for one group on one interface. The kernel keeps a
// socket's group either any-source (EXCLUDE {}) or as a source list
// (INCLUDE), never both, so the two kinds of one group share no socket.
struct SocketGroup {
	bool any_source = false;
	unsigned sources = 0;
	bool sources_full = false; // refused one more source (igmp_max_msf, mld_max_msf)
};

} // namespace

struct MembershipSocket {
	UniqueFd fd;
	int family = AF_INET; // of every group it holds
	std::map<GroupOnIface, SocketGroup> groups;
	bool groups_full = false; // refused one more group (igmp_max_memberships, optmem_max)
};

namespace {

bool is_multicast(const IpAddress &address)
{
	if (const Ipv6 *v6 = std::get_if<Ipv6>(&address))
		return (*v6)[0] == 0xff;
	return (std::get<Ipv4>(address) >> 28) == 0xe;
}

// A sender's address: IPv4 not "this network", a group or broadcast; IPv6
// not unspecified (that is "any source"), loopback or a group.
bool can_be_source(const IpAddress &address)
{
	if (const Ipv6 *v6 = std::get_if<Ipv6>(&address)) {
		constexpr Ipv6 loopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
		return !is_unspecified(address) && *v6 != loopback && !is_multicast(address);
	}
	const Ipv4 host = std::get<Ipv4>(address);
	return (host >> 24) != 0 && !is_multicast(address) && host != 0xffffffff;
}

// The protocol-independent options (RFC 3678) at the family's level.
int set_option(int fd, int family, int option, const void *value, socklen_t size)
{
	const int level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
	return setsockopt(fd, level, option, value, size) == 0 ? 0 : -errno;
}

int group_option(const MembershipSocket &socket, int option, const GroupOnIface &where)
{
	group_req request{};
	request.gr_interface = where.ifindex;
	request.gr_group = ip_sockaddr(where.group);
	return set_option(socket.fd.get(), socket.family, option, &request, sizeof(request));
}

int source_option(const MembershipSocket &socket, int option, const GroupOnIface &where,
		  const IpAddress &source)
{
	group_source_req request{};
	request.gsr_interface = where.ifindex;
	request.gsr_group = ip_sockaddr(where.group);
	request.gsr_source = ip_sockaddr(source);
	return set_option(socket.fd.get(), socket.family, option, &request, sizeof(request));
}

int open_helper_socket(int family, MembershipSocket *socket_out, std::string *reason)
{
	// Never bound: an unbound UDP socket is in no lookup table, so no
	// datagram is ever queued on it, whatever it joins.
	UniqueFd fd(socket(family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP));
	if (fd.get() < 0) {
		const int err = errno;
		*reason = fmt::format("socket: {}{}", strerror(err),
				      family == AF_INET6 && err == EAFNOSUPPORT
					      ? " (the kernel runs without IPv6)"
					      : "");
		return -err;
	}
	// Belt and braces should it ever be bound: deliver only what it joined
	// itself (not every group the host joined), into the smallest buffer
	// the kernel allows.
	const int off = 0;
	int rc = set_option(fd.get(), family,
			    family == AF_INET6 ? IPV6_MULTICAST_ALL : IP_MULTICAST_ALL, &off,
			    sizeof(off));
	if (rc == 0 && setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &off, sizeof(off)) < 0)
		rc = -errno;
	if (rc < 0) {
		*reason = fmt::format("helper socket options: {}", strerror(-rc));
		return rc;
	}
	socket_out->fd = std::move(fd);
	socket_out->family = family;
	return 0;
}

// What a socket's per-socket limits look like: IGMP refuses a group or a
// source past its sysctl, or socket option memory, with ENOBUFS; MLD
// refuses a source past mld_max_msf with ENOBUFS, and a group past socket
// option memory with ENOMEM (ipv6_sock_mc_join has no count of its own).
bool at_socket_limit(int err) { return err == -ENOBUFS || err == -ENOMEM; }

enum class Offer {
	taken,
	full,    // this socket is at a per-socket limit: another may take it
	refused, // no socket will: *err says why
};

Offer offer(MembershipSocket &socket, const GroupOnIface &where, const IpAddress &source,
	    int *err)
{
	const auto held = socket.groups.find(where);
	const bool any_source = is_unspecified(source);
	*err = any_source ? group_option(socket, MCAST_JOIN_GROUP, where)
			  : source_option(socket, MCAST_JOIN_SOURCE_GROUP, where, source);
	if (*err == 0) {
		SocketGroup &group = socket.groups[where];
		group.any_source = any_source;
		group.sources += any_source ? 0 : 1;
		return Offer::taken;
	}
	if (!at_socket_limit(*err))
		return Offer::refused;
	if (held != socket.groups.end()) {
		held->second.sources_full = true;
		return Offer::full;
	}
	// A source join is a group join then a source add. If the group went in
	// and only the source was refused on a socket holding nothing else, the
	// limit is per group (igmp_max_msf 0, or socket option memory too small
	// for one list) and a fresh socket would refuse it too; on a socket
	// holding other groups, their memory may be what is lacking.
	if (!any_source && group_option(socket, MCAST_LEAVE_GROUP, where) == 0 &&
	    socket.groups.empty())
		return Offer::refused;
	socket.groups_full = true;
	return Offer::full;
}

// The last source of a group on a socket leaves the whole group: the kernel
// does exactly that for MCAST_LEAVE_SOURCE_GROUP too (same reports), but
// MCAST_LEAVE_GROUP also drops the socket's entry once the interface is gone.
int withdraw(MembershipSocket &socket, const GroupOnIface &where, const IpAddress &source)
{
	const auto held = socket.groups.find(where);
	if (held == socket.groups.end())
		return -ENOENT; // bookkeeping bug; nothing in the kernel to undo
	SocketGroup &group = held->second;
	if (!is_unspecified(source) && group.sources > 1) {
		--group.sources;
		group.sources_full = false;
		return source_option(socket, MCAST_LEAVE_SOURCE_GROUP, where, source);
	}
	socket.groups.erase(held);
	socket.groups_full = false;
	return group_option(socket, MCAST_LEAVE_GROUP, where);
}

// Empty when no interface has that index (in this thread's namespace).
std::string iface_name(unsigned ifindex)
{
	char name[IF_NAMESIZE] = {};
	if (ifindex == 0 || if_indextoname(ifindex, name) == nullptr)
		return {};
	return name;
}

// Why the kernel would not do MLD on an interface, empty when it would.
// With net.ipv6.conf.<if>.disable_ipv6 = 1 it takes the join and programs
// the multicast filter, but every report it sends is dropped on output: the
// network never hears of the group, so that is refused here, with the
// setting named.
std::string ipv6_unavailable(const std::string &ifname)
{
	std::ifstream disabled("/proc/sys/net/ipv6/conf/" + ifname + "/disable_ipv6");
	int value = 0;
	if (disabled >> value)
		return value == 0 ? std::string()
				  : fmt::format("IPv6 is disabled on {} (net.ipv6.conf.{}.disable_ipv6 "
						"= {}): the kernel would send no MLD report",
						ifname, ifname, value);
	std::ifstream any("/proc/sys/net/ipv6/conf/all/disable_ipv6");
	if (!any)
		return "the kernel runs without IPv6";
	return fmt::format("{} has no IPv6 (an MTU under 1280 takes it away)", ifname);
}

std::string describe(unsigned ifindex, const IpAddress &group, const IpAddress &source,
		     const std::string &ifname)
{
	const std::string from =
		is_unspecified(source) ? "any source" : "source " + ip_text(source);
	const std::string on = ifname.empty() ? fmt::format("ifindex {}", ifindex)
					      : fmt::format("{} (ifindex {})", ifname, ifindex);
	return fmt::format("group {} {} on {}", ip_text(group), from, on);
}

} // namespace

MulticastMemberships::MulticastMemberships() = default;

MulticastMemberships::~MulticastMemberships() { leave_all(); }

int MulticastMemberships::join(unsigned ifindex, const IpAddress &group, const IpAddress &source,
			       std::string *error)
{
	const std::string ifname = iface_name(ifindex);
	const std::string what = describe(ifindex, group, source, ifname);
	if (!is_multicast(group)) {
		*error = fmt::format("cannot join {}: not a multicast address", what);
		return -EINVAL;
	}
	if (source.index() != group.index()) {
		*error = fmt::format("cannot join {}: the source is not of the group's family", what);
		return -EINVAL;
	}
	if (!is_unspecified(source) && !can_be_source(source)) {
		*error = fmt::format("cannot join {}: not a unicast source address", what);
		return -EINVAL;
	}
	if (ifname.empty()) {
		*error = fmt::format("cannot join {}: no such interface", what);
		return -ENODEV;
	}

	const Key key{ifindex, group, source};
	if (const auto joined = memberships_.find(key); joined != memberships_.end()) {
		++joined->second.references;
		return 0;
	}
	if (is_ipv6(group)) {
		if (const std::string why = ipv6_unavailable(ifname); !why.empty()) {
			*error = fmt::format("cannot join {}: {}", what, why);
			return -EAFNOSUPPORT;
		}
	}
	MembershipSocket *socket = nullptr;
	std::string reason;
	const int rc = place(key, &socket, &reason);
	if (rc < 0) {
		*error = fmt::format("cannot join {}: {}", what, reason);
		return rc;
	}
	memberships_.emplace(key, Membership{1, socket});
	return 0;
}

int MulticastMemberships::place(const Key &key, MembershipSocket **placed, std::string *reason)
{
	const GroupOnIface where{key.ifindex, key.group};
	const int family = address_family(key.group);
	int err = 0;
	const auto refused = [&] {
		*reason = strerror(-err);
		return err;
	};
	// A source for a group a socket already lists costs no group slot there,
	// so those sockets come first.
	if (!is_unspecified(key.source)) {
		for (auto &socket : sockets_) {
			const auto held = socket->groups.find(where);
			if (held == socket->groups.end() || held->second.any_source ||
			    held->second.sources_full)
				continue;
			const Offer outcome = offer(*socket, where, key.source, &err);
			if (outcome == Offer::taken) {
				*placed = socket.get();
				return 0;
			}
			if (outcome == Offer::refused)
				return refused();
		}
	}
	for (auto &socket : sockets_) {
		if (socket->family != family || socket->groups_full ||
		    socket->groups.contains(where))
			continue;
		const Offer outcome = offer(*socket, where, key.source, &err);
		if (outcome == Offer::taken) {
			*placed = socket.get();
			return 0;
		}
		if (outcome == Offer::refused)
			return refused();
	}

	auto fresh = std::make_unique<MembershipSocket>();
	if (const int rc = open_helper_socket(family, fresh.get(), reason); rc < 0)
		return rc;
	const Offer outcome = offer(*fresh, where, key.source, &err);
	if (outcome != Offer::taken && at_socket_limit(err)) {
		*reason = fmt::format("{}, even on a fresh socket (see {}, net.core.optmem_max)",
				      strerror(-err),
				      family == AF_INET6
					      ? "net.ipv6.mld_max_msf"
					      : "net.ipv4.igmp_max_memberships, net.ipv4.igmp_max_msf");
		return err;
	}
	if (outcome == Offer::refused)
		return refused();
	*placed = fresh.get();
	sockets_.push_back(std::move(fresh));
	return 0;
}

int MulticastMemberships::leave(unsigned ifindex, const IpAddress &group, const IpAddress &source,
				std::string *error)
{
	const auto joined = memberships_.find(Key{ifindex, group, source});
	if (joined == memberships_.end()) {
		*error = fmt::format("cannot leave {}: not joined",
				     describe(ifindex, group, source, iface_name(ifindex)));
		return -ENOENT;
	}
	if (--joined->second.references > 0)
		return 0;
	MembershipSocket *socket = joined->second.socket;
	memberships_.erase(joined);

	const int rc = withdraw(*socket, GroupOnIface{ifindex, group}, source);
	// An idle socket would only be a slot count to remember; reopening is cheap.
	if (socket->groups.empty())
		std::erase_if(sockets_, [socket](const auto &open) { return open.get() == socket; });
	// ENODEV: the interface went, and its membership with it.
	if (rc < 0 && rc != -ENODEV) {
		*error = fmt::format("cannot leave {}: {}",
				     describe(ifindex, group, source, iface_name(ifindex)),
				     strerror(-rc));
		return rc;
	}
	return 0;
}

void MulticastMemberships::leave_all()
{
	// Closing leaves too, but only when the last copy of the fd goes: one
	// inherited by a forked child would keep the groups joined.
	for (const auto &socket : sockets_)
		for (const auto &held : socket->groups)
			group_option(*socket, MCAST_LEAVE_GROUP, held.first);
	sockets_.clear();
	memberships_.clear();
}

unsigned MulticastMemberships::references(unsigned ifindex, const IpAddress &group,
					  const IpAddress &source) const
{
	const auto joined = memberships_.find(Key{ifindex, group, source});
	return joined == memberships_.end() ? 0 : joined->second.references;
}

} // namespace mcr::host
