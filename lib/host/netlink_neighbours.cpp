#include "host/netlink_neighbours.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace mcr::host {

namespace {

// Big enough for the 32 KiB skbs the kernel fills a dump with when the
// reader offers that much (libmnl's MNL_SOCKET_DUMP_SIZE).
constexpr size_t receive_size = 32768;
// A route look-up or a resolution request is answered synchronously; a
// kernel that does not answer within this is treated as an error.
constexpr int request_timeout_ms = 2000;
constexpr int dump_attempts = 3;

constexpr uint16_t usable_states =
	NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP;

std::string iface_text(uint32_t ifindex)
{
	char name[IF_NAMESIZE] = {};
	if (if_indextoname(ifindex, name) == nullptr)
		return fmt::format("ifindex {}", ifindex);
	return fmt::format("{} (ifindex {})", name, ifindex);
}

// libmnl's mnl_attr_for_each, without its C casts from void *.
template <typename Visit>
void for_each_attribute(const nlmsghdr *nlh, size_t header_size, Visit &&visit)
{
	const auto *tail = static_cast<const char *>(mnl_nlmsg_get_payload_tail(nlh));
	auto *attr = static_cast<const nlattr *>(mnl_nlmsg_get_payload_offset(nlh, header_size));
	while (mnl_attr_ok(attr, static_cast<int>(tail - reinterpret_cast<const char *>(attr)))) {
		visit(attr);
		attr = static_cast<const nlattr *>(mnl_attr_next(attr));
	}
}

// An address of `family` as the kernel puts it in a message (network
// order), none when its length does not fit the family.
std::optional<IpAddress> address_from(unsigned family, const void *bytes, size_t len)
{
	if (family == AF_INET && len == 4) {
		uint32_t net;
		std::memcpy(&net, bytes, 4);
		return IpAddress{Ipv4{ntohl(net)}};
	}
	if (family == AF_INET6 && len == 16) {
		Ipv6 address;
		std::memcpy(address.data(), bytes, 16);
		return IpAddress{address};
	}
	return std::nullopt;
}

// An address attribute (NDA_DST, RTA_GATEWAY) of a message of `family`.
std::optional<IpAddress> address_attribute(unsigned family, const nlattr *attr)
{
	return address_from(family, mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr));
}

void put_address(nlmsghdr *nlh, uint16_t type, const IpAddress &address)
{
	if (const Ipv6 *v6 = std::get_if<Ipv6>(&address))
		mnl_attr_put(nlh, type, v6->size(), v6->data());
	else
		mnl_attr_put_u32(nlh, type, htonl(std::get<Ipv4>(address)));
}

// One RTM_NEWNEIGH / RTM_DELNEIGH, as the cache keeps it.
struct NeighbourMessage {
	bool relevant = false; // IPv4 or IPv6, not a proxy entry, with a destination
	bool deleted = false;
	NetlinkNeighbours::Key key;
	NetlinkNeighbours::Entry entry;
};

NeighbourMessage parse_neighbour(const nlmsghdr *nlh)
{
	NeighbourMessage out;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(ndmsg)))
		return out;
	const auto *ndm = static_cast<const ndmsg *>(mnl_nlmsg_get_payload(nlh));
	if ((ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6) ||
	    (ndm->ndm_flags & NTF_PROXY) != 0)
		return out;
	bool have_dst = false;
	std::optional<Mac> lladdr;
	for_each_attribute(nlh, sizeof(ndmsg), [&](const nlattr *attr) {
		const auto type = mnl_attr_get_type(attr);
		const auto len = mnl_attr_get_payload_len(attr);
		if (type == NDA_DST) {
			if (const auto dst = address_attribute(ndm->ndm_family, attr)) {
				out.key.second = *dst;
				have_dst = true;
			}
		} else if (type == NDA_LLADDR && len == 6) {
			Mac mac;
			std::memcpy(mac.data(), mnl_attr_get_payload(attr), 6);
			lladdr = mac;
		}
	});
	if (!have_dst)
		return out;
	out.relevant = true;
	out.deleted = nlh->nlmsg_type == RTM_DELNEIGH;
	out.key.first = static_cast<uint32_t>(ndm->ndm_ifindex);
	out.entry.state = ndm->ndm_state;
	// NOARP entries (devices that need no resolution) carry a MAC only when
	// the device has one; without it there is nothing to address.
	if (!out.deleted && (ndm->ndm_state & usable_states) != 0)
		out.entry.mac = lladdr;
	return out;
}

int collect_neighbour(const nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWNEIGH)
		return MNL_CB_OK;
	const NeighbourMessage message = parse_neighbour(nlh);
	if (message.relevant)
		(*static_cast<NetlinkNeighbours::Table *>(data))[message.key] = message.entry;
	return MNL_CB_OK;
}

// What RTM_GETROUTE answers, from either an RTM_F_FIB_MATCH look-up (the
// route entry) or a plain one (the route the kernel would use).
struct RouteAnswer {
	bool answered = false;
	uint8_t type = RTN_UNSPEC;
	uint32_t oif = 0;
	std::optional<IpAddress> gateway;
};

int collect_route(const nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWROUTE || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(rtmsg)))
		return MNL_CB_OK;
	auto *out = static_cast<RouteAnswer *>(data);
	const auto *rtm = static_cast<const rtmsg *>(mnl_nlmsg_get_payload(nlh));
	out->answered = true;
	out->type = rtm->rtm_type;
	for_each_attribute(nlh, sizeof(rtmsg), [&](const nlattr *attr) {
		const auto type = mnl_attr_get_type(attr);
		const auto len = mnl_attr_get_payload_len(attr);
		if (type == RTA_OIF && len == 4) {
			out->oif = mnl_attr_get_u32(attr);
		} else if (type == RTA_GATEWAY) {
			if (const auto gateway = address_attribute(rtm->rtm_family, attr))
				out->gateway = gateway;
		} else if (type == RTA_VIA && len >= sizeof(rtvia)) {
			// A gateway of the other family: an IPv4 route via an IPv6
			// next hop (RFC 5549), which NDP resolves.
			const auto *via = static_cast<const rtvia *>(mnl_attr_get_payload(attr));
			if (const auto gateway = address_from(via->rtvia_family, via->rtvia_addr,
							      len - sizeof(rtvia)))
				out->gateway = gateway;
		}
	});
	return MNL_CB_OK;
}

int ignore_message(const nlmsghdr *, void *) { return MNL_CB_OK; }

const char *route_type_text(uint8_t type)
{
	switch (type) {
	case RTN_LOCAL:
		return "a local address";
	case RTN_BROADCAST:
		return "a broadcast address";
	case RTN_ANYCAST:
		return "an anycast address";
	case RTN_MULTICAST:
		return "a multicast address";
	case RTN_BLACKHOLE:
		return "routed to a blackhole";
	case RTN_UNREACHABLE:
		return "unreachable";
	case RTN_PROHIBIT:
		return "prohibited";
	default:
		return "not a unicast route";
	}
}

// What a failed output route look-up means, by the errno the kernel gives
// each route type (fib_props in net/ipv4/fib_semantics.c; the same for
// IPv6, ip6_rt_type_to_error in net/ipv6/route.c).
std::string lookup_error_text(int err)
{
	switch (-err) {
	case EINVAL:
		return "a blackhole route";
	case EHOSTUNREACH:
	case ENETUNREACH:
		return "no route, or an unreachable one";
	case EACCES:
		return "a prohibit route";
	default:
		return std::strerror(-err);
	}
}

bool is_ip_family(uint8_t family) { return family == AF_INET || family == AF_INET6; }

void set_error(std::string *error, std::string text)
{
	if (error != nullptr)
		*error = std::move(text);
}

} // namespace

NetlinkNeighbours::NetlinkNeighbours(std::function<void(const std::string &)> notice,
				     int receive_buffer_bytes)
	: notice_(std::move(notice)), receive_buffer_bytes_(receive_buffer_bytes),
	  events_buffer_(receive_size), requests_buffer_(receive_size)
{
}

NetlinkNeighbours::~NetlinkNeighbours()
{
	if (events_ != nullptr)
		mnl_socket_close(events_);
	if (requests_ != nullptr)
		mnl_socket_close(requests_);
}

int NetlinkNeighbours::fd() const { return events_ != nullptr ? mnl_socket_get_fd(events_) : -1; }

int NetlinkNeighbours::open(std::string *error)
{
	if (events_ != nullptr) {
		set_error(error, "netlink: already open");
		return -EALREADY;
	}
	events_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	requests_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (events_ == nullptr || requests_ == nullptr) {
		const int err = errno;
		set_error(error, fmt::format("netlink: socket(NETLINK_ROUTE): {}", std::strerror(err)));
		return -err;
	}
	if (mnl_socket_bind(events_, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_bind(requests_, 0, MNL_SOCKET_AUTOPID) < 0) {
		const int err = errno;
		set_error(error, fmt::format("netlink: bind: {}", std::strerror(err)));
		return -err;
	}
	// A bigger queue makes overruns (ENOBUFS, then a re-dump) rarer under
	// bursts of changes; the kernel caps it at net.core.rmem_max.
	const int events_fd = mnl_socket_get_fd(events_);
	if (setsockopt(events_fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes_,
		       sizeof receive_buffer_bytes_) < 0) {
		const int err = errno;
		set_error(error, fmt::format("netlink: SO_RCVBUF: {}", std::strerror(err)));
		return -err;
	}
	// RTNLGRP_NEIGH carries both families' neighbours.
	for (int group : {RTNLGRP_NEIGH, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE}) {
		if (mnl_socket_setsockopt(events_, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0) {
			const int err = errno;
			set_error(error, fmt::format("netlink: join group {}: {}", group,
						     std::strerror(err)));
			return -err;
		}
	}
	const timeval timeout{request_timeout_ms / 1000, (request_timeout_ms % 1000) * 1000};
	if (setsockopt(mnl_socket_get_fd(requests_), SOL_SOCKET, SO_RCVTIMEO, &timeout,
		       sizeof timeout) < 0) {
		const int err = errno;
		set_error(error, fmt::format("netlink: SO_RCVTIMEO: {}", std::strerror(err)));
		return -err;
	}
	// Subscribed first, dumped second: a change racing the dump is both in
	// the dump and queued as a notification, and replaying it is harmless.
	return dump(&table_, error);
}

void NetlinkNeighbours::drain_requests() const
{
	// Left over only when an earlier request timed out.
	while (recv(mnl_socket_get_fd(requests_), requests_buffer_.data(), requests_buffer_.size(),
		    MSG_DONTWAIT) > 0) {
	}
}

int NetlinkNeighbours::request(void *message, int (*cb)(const nlmsghdr *, void *), void *data) const
{
	if (requests_ == nullptr)
		return -ENOTCONN;
	drain_requests();
	auto *nlh = static_cast<nlmsghdr *>(message);
	nlh->nlmsg_seq = ++seq_;
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(requests_, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	const unsigned portid = mnl_socket_get_portid(requests_);
	for (;;) {
		const ssize_t n =
			mnl_socket_recvfrom(requests_, requests_buffer_.data(), requests_buffer_.size());
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		const int run = mnl_cb_run(requests_buffer_.data(), static_cast<size_t>(n), nlh->nlmsg_seq,
					   portid, cb, data);
		if (run < 0)
			return errno != 0 ? -errno : -EPROTO;
		if (run == MNL_CB_STOP)
			return 0;
	}
}

int NetlinkNeighbours::dump(Table *out, std::string *error) const
{
	Table table;
	for (const uint8_t family : {AF_INET, AF_INET6}) {
		int err = 0;
		for (int attempt = 0; attempt < dump_attempts; attempt++) {
			alignas(nlmsghdr) char message[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(ndmsg))] = {};
			nlmsghdr *nlh = mnl_nlmsg_put_header(message);
			nlh->nlmsg_type = RTM_GETNEIGH;
			nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
			auto *ndm = static_cast<ndmsg *>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
			ndm->ndm_family = family;
			Table one;
			err = request(nlh, collect_neighbour, &one);
			if (err == 0) {
				table.merge(one);
				break;
			}
			// EINTR: the table changed under the dump (NLM_F_DUMP_INTR);
			// the answer may be inconsistent, so ask again.
			if (err != -EINTR)
				break;
		}
		// A kernel without IPv6 has no NDP table to dump.
		if (err == -EAFNOSUPPORT && family == AF_INET6)
			err = 0;
		if (err < 0) {
			set_error(error, fmt::format("netlink: dump of the {} neighbour table: {}",
						     family == AF_INET ? "IPv4 (ARP)" : "IPv6 (NDP)",
						     std::strerror(-err)));
			return err;
		}
	}
	*out = std::move(table);
	return 0;
}

int NetlinkNeighbours::resync(const std::function<void(const NeighbourChange &)> &on_change,
			      std::string *error)
{
	// The kernel reports the overrun before the notifications still queued,
	// and those predate the dump: replayed after it they would bring back
	// older states. They go; whatever arrives from here on is newer.
	for (;;) {
		const ssize_t n = recv(mnl_socket_get_fd(events_), events_buffer_.data(),
				       events_buffer_.size(), MSG_DONTWAIT);
		if (n < 0 && errno != ENOBUFS && errno != EINTR)
			break;
	}
	Table fresh;
	const int err = dump(&fresh, error);
	if (err < 0)
		return err;
	resyncs_++;
	// Every change since the overrun is lost, so the old and the new table
	// are compared entry by entry instead. The new one is in place first:
	// on_change may look neighbours up.
	const Table old = std::exchange(table_, std::move(fresh));
	auto report = [&](const Key &key, const std::optional<Mac> &before,
			  const std::optional<Mac> &after) {
		if (before != after)
			on_change(NeighbourChange{key.first, key.second, after});
	};
	for (const auto &[key, entry] : old) {
		const auto it = table_.find(key);
		report(key, entry.mac, it != table_.end() ? it->second.mac : std::nullopt);
	}
	for (const auto &[key, entry] : table_) {
		if (!old.contains(key))
			report(key, std::nullopt, entry.mac);
	}
	if (notice_)
		notice_(fmt::format("netlink: notifications overran the socket (ENOBUFS); the "
				    "neighbour table was dumped again ({} entries) and routes "
				    "are to be looked up again",
				    table_.size()));
	return 0;
}

int NetlinkNeighbours::read_events(const std::function<void(const NeighbourChange &)> &on_change,
				   bool *routes_changed, std::string *error)
{
	if (events_ == nullptr) {
		set_error(error, "netlink: not open");
		return -ENOTCONN;
	}
	bool ignored_routes = false;
	if (routes_changed == nullptr)
		routes_changed = &ignored_routes;
	struct Context {
		NetlinkNeighbours *self;
		const std::function<void(const NeighbourChange &)> *on_change;
		bool *routes_changed;
		int messages = 0;
	} context{this, &on_change, routes_changed};
	auto on_message = [](const nlmsghdr *nlh, void *data) -> int {
		auto *c = static_cast<Context *>(data);
		c->messages++;
		switch (nlh->nlmsg_type) {
		case RTM_NEWROUTE:
		case RTM_DELROUTE:
			if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(rtmsg)) &&
			    is_ip_family(static_cast<const rtmsg *>(mnl_nlmsg_get_payload(nlh))
						 ->rtm_family))
				*c->routes_changed = true;
			break;
		case RTM_NEWNEIGH:
		case RTM_DELNEIGH: {
			const NeighbourMessage message = parse_neighbour(nlh);
			if (!message.relevant)
				break;
			Table &table = c->self->table_;
			const auto it = table.find(message.key);
			const std::optional<Mac> before =
				it != table.end() ? it->second.mac : std::nullopt;
			if (message.deleted) {
				if (it != table.end())
					table.erase(it);
			} else {
				table[message.key] = message.entry;
			}
			if (before != message.entry.mac)
				(*c->on_change)(NeighbourChange{message.key.first, message.key.second,
								message.entry.mac});
			break;
		}
		default:
			break;
		}
		return MNL_CB_OK;
	};

	for (;;) {
		const ssize_t n = recv(mnl_socket_get_fd(events_), events_buffer_.data(),
				       events_buffer_.size(), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return context.messages;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				// The kernel dropped notifications it could not queue:
				// the cache can no longer be kept by replaying them.
				const int err = resync(on_change, error);
				if (err < 0)
					return err;
				*routes_changed = true;
				continue;
			}
			const int err = errno;
			set_error(error, fmt::format("netlink: receive: {}", std::strerror(err)));
			return -err;
		}
		if (mnl_cb_run(events_buffer_.data(), static_cast<size_t>(n), 0, 0, on_message,
			       &context) < 0) {
			const int err = errno != 0 ? errno : EPROTO;
			set_error(error, fmt::format("netlink: notification: {}", std::strerror(err)));
			return -err;
		}
	}
}

std::optional<Mac> NetlinkNeighbours::neighbour(uint32_t ifindex, const IpAddress &ip) const
{
	const auto it = table_.find({ifindex, ip});
	if (it == table_.end())
		return std::nullopt;
	return it->second.mac;
}

namespace {

// An RTM_GETROUTE for dst, leaving through oif when it is not 0.
struct RouteRequest {
	alignas(nlmsghdr) char message[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(rtmsg)) +
				       2 * MNL_ATTR_HDRLEN + MNL_ALIGN(16) + MNL_ALIGN(4)] = {};

	nlmsghdr *build(const IpAddress &dst, uint32_t oif, unsigned rtm_flags)
	{
		nlmsghdr *nlh = mnl_nlmsg_put_header(message);
		nlh->nlmsg_type = RTM_GETROUTE;
		nlh->nlmsg_flags = NLM_F_REQUEST;
		auto *rtm = static_cast<rtmsg *>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
		rtm->rtm_family = static_cast<uint8_t>(address_family(dst));
		rtm->rtm_dst_len = is_ipv6(dst) ? 128 : 32;
		rtm->rtm_flags = rtm_flags;
		put_address(nlh, RTA_DST, dst);
		if (oif != 0)
			mnl_attr_put_u32(nlh, RTA_OIF, oif);
		return nlh;
	}
};

} // namespace

int NetlinkNeighbours::next_hop(const IpAddress &dst, uint32_t ifindex, NextHop *out,
				std::string *error) const
{
	const std::string what =
		fmt::format("route to {} through {}", ip_text(dst), iface_text(ifindex));
	// With RTA_OIF and no route through that interface, a plain look-up
	// pretends the destination is on-link there; RTM_F_FIB_MATCH answers
	// with the route entry itself, so it fails instead.
	RouteRequest fib_request;
	RouteAnswer fib;
	int err = request(fib_request.build(dst, ifindex, RTM_F_FIB_MATCH), collect_route, &fib);
	if (err == 0 && !fib.answered)
		err = -EPROTO;
	if (err < 0) {
		// Where the kernel would send it instead, to say so.
		RouteRequest any_request;
		RouteAnswer any;
		const int any_err = request(any_request.build(dst, 0, 0), collect_route, &any);
		if (any_err == 0 && any.answered && any.type == RTN_UNICAST && any.oif != ifindex)
			set_error(error, fmt::format("no {}: the kernel routes it through {}{}", what,
						     iface_text(any.oif),
						     any.gateway ? " via " + ip_text(*any.gateway)
								 : std::string()));
		else if (any_err < 0)
			set_error(error, fmt::format("no {}: {}", what, lookup_error_text(any_err)));
		else
			set_error(error, fmt::format("no {}: {}", what, lookup_error_text(err)));
		return err == -EPROTO ? err : -EHOSTUNREACH;
	}
	if (fib.type != RTN_UNICAST) {
		set_error(error, fmt::format("no unicast {}: it is {}", what, route_type_text(fib.type)));
		return -EHOSTUNREACH;
	}
	// The route entry may hold several next hops; the plain look-up says
	// which one the kernel picks.
	RouteRequest hop_request;
	RouteAnswer hop;
	err = request(hop_request.build(dst, ifindex, 0), collect_route, &hop);
	if (err == 0 && !hop.answered)
		err = -EPROTO;
	if (err < 0) {
		set_error(error, fmt::format("{}: {}", what, lookup_error_text(err)));
		return err;
	}
	if (hop.oif != ifindex) {
		set_error(error, fmt::format("no {}: the kernel routes it through {}", what,
					     iface_text(hop.oif)));
		return -EHOSTUNREACH;
	}
	*out = NextHop{ifindex, hop.gateway.value_or(dst)};
	return 0;
}

int NetlinkNeighbours::resolve(uint32_t ifindex, const IpAddress &ip)
{
	// NTF_USE takes NUD_PERMANENT away from an entry (__neigh_update):
	// a static entry, or one on a device without ARP, is left alone.
	const auto it = table_.find({ifindex, ip});
	if (it != table_.end() && (it->second.state & (NUD_PERMANENT | NUD_NOARP)) != 0)
		return 0;
	// What `ping` would do, without a packet: NTF_USE makes neigh_add()
	// create the entry (NLM_F_CREATE) and call neigh_event_send(), which
	// moves it to INCOMPLETE and sends the ARP request or the Neighbour
	// Solicitation now; a STALE entry goes to DELAY and is probed. The
	// answer comes as RTM_NEWNEIGH.
	alignas(nlmsghdr) char message[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(ndmsg)) + MNL_ATTR_HDRLEN +
				       MNL_ALIGN(16)] = {};
	nlmsghdr *nlh = mnl_nlmsg_put_header(message);
	nlh->nlmsg_type = RTM_NEWNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE;
	auto *ndm = static_cast<ndmsg *>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
	ndm->ndm_family = static_cast<uint8_t>(address_family(ip));
	ndm->ndm_ifindex = static_cast<int>(ifindex);
	ndm->ndm_state = NUD_NONE;
	ndm->ndm_flags = NTF_USE;
	put_address(nlh, NDA_DST, ip);
	return request(nlh, ignore_message, nullptr);
}

} // namespace mcr::host
