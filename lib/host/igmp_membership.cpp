#include "host/igmp_membership.h"

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
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
	uint32_t group;
	auto operator<=>(const GroupOnIface &) const = default;
};

// What one socket holds for one group on one interface. The kernel keeps a
// socket's group either any-source (EXCLUDE {}) or as a source list
// (INCLUDE), never both, so the two kinds of one group share no socket.
struct SocketGroup {
	bool any_source = false;
	unsigned sources = 0;
	bool sources_full = false; // refused one more source (igmp_max_msf)
};

} // namespace

struct IgmpHelperSocket {
	UniqueFd fd;
	std::map<GroupOnIface, SocketGroup> groups;
	bool groups_full = false; // refused one more group (igmp_max_memberships)
};

namespace {

std::string ipv4_text(uint32_t host)
{
	return fmt::format("{}.{}.{}.{}", host >> 24, (host >> 16) & 0xff, (host >> 8) & 0xff,
			   host & 0xff);
}

bool is_multicast(uint32_t host) { return (host >> 28) == 0xe; }

// A sender's address: not "this network", not a group, not broadcast.
bool can_be_source(uint32_t host)
{
	return (host >> 24) != 0 && !is_multicast(host) && host != 0xffffffff;
}

sockaddr_storage ipv4_sockaddr(uint32_t host)
{
	sockaddr_in address{};
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl(host);
	sockaddr_storage storage{};
	std::memcpy(&storage, &address, sizeof(address));
	return storage;
}

int set_ip_option(int fd, int option, const void *value, socklen_t size)
{
	return setsockopt(fd, IPPROTO_IP, option, value, size) == 0 ? 0 : -errno;
}

int group_option(int fd, int option, const GroupOnIface &where)
{
	group_req request{};
	request.gr_interface = where.ifindex;
	request.gr_group = ipv4_sockaddr(where.group);
	return set_ip_option(fd, option, &request, sizeof(request));
}

int source_option(int fd, int option, const GroupOnIface &where, uint32_t source)
{
	group_source_req request{};
	request.gsr_interface = where.ifindex;
	request.gsr_group = ipv4_sockaddr(where.group);
	request.gsr_source = ipv4_sockaddr(source);
	return set_ip_option(fd, option, &request, sizeof(request));
}

int open_helper_socket(IgmpHelperSocket *socket_out, std::string *reason)
{
	// Never bound: an unbound UDP socket is in no lookup table, so no
	// datagram is ever queued on it, whatever it joins.
	UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP));
	if (fd.get() < 0) {
		const int err = errno;
		*reason = fmt::format("socket: {}", strerror(err));
		return -err;
	}
	// Belt and braces should it ever be bound: deliver only what it joined
	// itself (not every group the host joined), into the smallest buffer
	// the kernel allows.
	const int off = 0;
	int rc = set_ip_option(fd.get(), IP_MULTICAST_ALL, &off, sizeof(off));
	if (rc == 0 && setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &off, sizeof(off)) < 0)
		rc = -errno;
	if (rc < 0) {
		*reason = fmt::format("helper socket options: {}", strerror(-rc));
		return rc;
	}
	socket_out->fd = std::move(fd);
	return 0;
}

enum class Offer {
	taken,
	full,    // this socket is at a per-socket limit: another may take it
	refused, // no socket will: *err says why
};

Offer offer(IgmpHelperSocket &socket, const GroupOnIface &where, uint32_t source, int *err)
{
	const auto held = socket.groups.find(where);
	const int fd = socket.fd.get();
	*err = source == 0 ? group_option(fd, MCAST_JOIN_GROUP, where)
			   : source_option(fd, MCAST_JOIN_SOURCE_GROUP, where, source);
	if (*err == 0) {
		SocketGroup &group = socket.groups[where];
		group.any_source = source == 0;
		group.sources += source == 0 ? 0 : 1;
		return Offer::taken;
	}
	if (*err != -ENOBUFS)
		return Offer::refused;
	if (held != socket.groups.end()) {
		held->second.sources_full = true;
		return Offer::full;
	}
	// A source join is a group join then a source add. If the group went in
	// and only the source was refused, the limit is per group (igmp_max_msf
	// 0, or socket option memory) and a fresh socket would refuse it too.
	if (source != 0 && group_option(fd, MCAST_LEAVE_GROUP, where) == 0)
		return Offer::refused;
	socket.groups_full = true;
	return Offer::full;
}

// The last source of a group on a socket leaves the whole group: the kernel
// does exactly that for MCAST_LEAVE_SOURCE_GROUP too (same reports), but
// MCAST_LEAVE_GROUP also drops the socket's entry once the interface is gone.
int withdraw(IgmpHelperSocket &socket, const GroupOnIface &where, uint32_t source)
{
	const auto held = socket.groups.find(where);
	if (held == socket.groups.end())
		return -ENOENT; // bookkeeping bug; nothing in the kernel to undo
	const int fd = socket.fd.get();
	SocketGroup &group = held->second;
	if (source != 0 && group.sources > 1) {
		--group.sources;
		group.sources_full = false;
		return source_option(fd, MCAST_LEAVE_SOURCE_GROUP, where, source);
	}
	socket.groups.erase(held);
	socket.groups_full = false;
	return group_option(fd, MCAST_LEAVE_GROUP, where);
}

// Empty when no interface has that index (in this thread's namespace).
std::string iface_name(unsigned ifindex)
{
	char name[IF_NAMESIZE] = {};
	if (ifindex == 0 || if_indextoname(ifindex, name) == nullptr)
		return {};
	return name;
}

std::string describe(unsigned ifindex, uint32_t group, uint32_t source, const std::string &ifname)
{
	const std::string from = source == 0 ? "any source" : "source " + ipv4_text(source);
	const std::string on = ifname.empty() ? fmt::format("ifindex {}", ifindex)
					      : fmt::format("{} (ifindex {})", ifname, ifindex);
	return fmt::format("group {} {} on {}", ipv4_text(group), from, on);
}

} // namespace

IgmpMemberships::IgmpMemberships() = default;

IgmpMemberships::~IgmpMemberships() { leave_all(); }

int IgmpMemberships::join(unsigned ifindex, uint32_t group, uint32_t source, std::string *error)
{
	const std::string ifname = iface_name(ifindex);
	const std::string what = describe(ifindex, group, source, ifname);
	if (!is_multicast(group)) {
		*error = fmt::format("cannot join {}: not a multicast address", what);
		return -EINVAL;
	}
	if (source != 0 && !can_be_source(source)) {
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
	IgmpHelperSocket *socket = nullptr;
	std::string reason;
	const int rc = place(key, &socket, &reason);
	if (rc < 0) {
		*error = fmt::format("cannot join {}: {}", what, reason);
		return rc;
	}
	memberships_.emplace(key, Membership{1, socket});
	return 0;
}

int IgmpMemberships::place(const Key &key, IgmpHelperSocket **placed, std::string *reason)
{
	const GroupOnIface where{key.ifindex, key.group};
	int err = 0;
	const auto refused = [&] {
		*reason = strerror(-err);
		return err;
	};
	// A source for a group a socket already lists costs no group slot there,
	// so those sockets come first.
	if (key.source != 0) {
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
		if (socket->groups_full || socket->groups.contains(where))
			continue;
		const Offer outcome = offer(*socket, where, key.source, &err);
		if (outcome == Offer::taken) {
			*placed = socket.get();
			return 0;
		}
		if (outcome == Offer::refused)
			return refused();
	}

	auto fresh = std::make_unique<IgmpHelperSocket>();
	if (const int rc = open_helper_socket(fresh.get(), reason); rc < 0)
		return rc;
	const Offer outcome = offer(*fresh, where, key.source, &err);
	if (outcome == Offer::full) {
		*reason = fmt::format("{}, even on a fresh socket (see net.ipv4.igmp_max_memberships, "
				      "net.ipv4.igmp_max_msf, net.core.optmem_max)",
				      strerror(-err));
		return err;
	}
	if (outcome == Offer::refused)
		return refused();
	*placed = fresh.get();
	sockets_.push_back(std::move(fresh));
	return 0;
}

int IgmpMemberships::leave(unsigned ifindex, uint32_t group, uint32_t source, std::string *error)
{
	const auto joined = memberships_.find(Key{ifindex, group, source});
	if (joined == memberships_.end()) {
		*error = fmt::format("cannot leave {}: not joined",
				     describe(ifindex, group, source, iface_name(ifindex)));
		return -ENOENT;
	}
	if (--joined->second.references > 0)
		return 0;
	IgmpHelperSocket *socket = joined->second.socket;
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

void IgmpMemberships::leave_all()
{
	// Closing leaves too, but only when the last copy of the fd goes: one
	// inherited by a forked child would keep the groups joined.
	for (const auto &socket : sockets_)
		for (const auto &held : socket->groups)
			group_option(socket->fd.get(), MCAST_LEAVE_GROUP, held.first);
	sockets_.clear();
	memberships_.clear();
}

unsigned IgmpMemberships::references(unsigned ifindex, uint32_t group, uint32_t source) const
{
	const auto joined = memberships_.find(Key{ifindex, group, source});
	return joined == memberships_.end() ? 0 : joined->second.references;
}

} // namespace mcr::host
