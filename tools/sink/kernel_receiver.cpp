#include "kernel_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "traffic/address.h"
#include "traffic/clock.h"
#include "traffic/ifaces.h"
#include "traffic/sockaddr.h"

namespace mcr::sink {

using namespace mcr::traffic;

namespace {

constexpr uint32_t batch = 64;
constexpr uint32_t buffer_size = 2048; // a 1514-byte frame's payload fits
constexpr int wait_ms = 20;
constexpr int receive_buffer = 8 << 20;

} // namespace

KernelReceiver::~KernelReceiver()
{
	for (int fd : fds_)
		::close(fd);
	if (epoll_fd_ >= 0)
		::close(epoll_fd_);
}

// Joins spec's group on iface (an address or a name; "": by route).
int KernelReceiver::join(int fd, const ListenSpec &spec, const std::string &iface, std::string *error)
{
	const std::string name = format_endpoint(spec.ep.addr, spec.ep.port);
	const bool v6 = is_ipv6(spec.ep.addr);
	uint32_t iface_v4 = 0;
	if (!v6 && !spec.source && (iface.empty() || parse_ipv4(iface, &iface_v4))) {
		// IPv4 any-source: by the interface's address, as always.
		ip_mreq mreq{};
		mreq.imr_multiaddr.s_addr = htonl(std::get<uint32_t>(spec.ep.addr));
		mreq.imr_interface.s_addr = htonl(iface_v4);
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) == 0)
			return 0;
	} else {
		const unsigned ifindex = iface.empty() ? 0 : iface_index(iface);
		if (!iface.empty() && ifindex == 0) {
			*error = name + ": no interface " + iface;
			return -1;
		}
		const int level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
		int rc;
		if (spec.source) {
			group_source_req req{};
			req.gsr_interface = ifindex;
			to_sockaddr(spec.ep.addr, 0, &req.gsr_group);
			to_sockaddr(*spec.source, 0, &req.gsr_source);
			rc = setsockopt(fd, level, MCAST_JOIN_SOURCE_GROUP, &req, sizeof(req));
		} else {
			group_req req{};
			req.gr_interface = ifindex;
			to_sockaddr(spec.ep.addr, 0, &req.gr_group);
			rc = setsockopt(fd, level, MCAST_JOIN_GROUP, &req, sizeof(req));
		}
		if (rc == 0)
			return 0;
	}
	*error = name + ": join" + (spec.source ? " from " + format_ip(*spec.source) : "") + " on " +
		 (iface.empty() ? "the route's interface" : iface) + ": " + std::strerror(errno) +
		 (iface.empty() ? " (no route to the group? give --iface-addr)" : "");
	return -1;
}

int KernelReceiver::open_socket(const ListenSpec &spec, const std::string &default_iface,
				std::string *error)
{
	const std::string name = format_endpoint(spec.ep.addr, spec.ep.port);
	const bool v6 = is_ipv6(spec.ep.addr);
	const int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*error = name + ": socket: " + std::strerror(errno);
		return -1;
	}
	fds_.push_back(fd);
	const int one = 1;
	// Other listeners (another sink, a test's socket) may share the port.
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	// An IPv6 socket on [::] would take IPv4 traffic too: not asked for.
	if (v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	// A burst must wait in the socket, not be dropped before we look;
	// FORCE passes rmem_max as root, the plain option is the fallback.
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof(receive_buffer)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
	sockaddr_storage addr{};
	const socklen_t addr_len = to_sockaddr(spec.ep.addr, spec.ep.port, &addr);
	if (bind(fd, reinterpret_cast<sockaddr *>(&addr), addr_len) < 0) {
		*error = name + ": bind: " + std::strerror(errno);
		return -1;
	}
	if (is_multicast(spec.ep.addr) &&
	    join(fd, spec, spec.iface.empty() ? default_iface : spec.iface, error) < 0)
		return -1;
	epoll_event ev{};
	ev.events = EPOLLIN;
	ev.data.u32 = static_cast<uint32_t>(endpoints_.size());
	if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
		*error = name + ": epoll: " + std::strerror(errno);
		return -1;
	}
	endpoints_.push_back(spec.ep);
	return 0;
}

int KernelReceiver::open(const SinkOptions &opt, std::string *error)
{
	epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
	if (epoll_fd_ < 0) {
		*error = std::string("epoll: ") + std::strerror(errno);
		return -1;
	}
	for (const ListenSpec &spec : opt.listen) {
		if (open_socket(spec, opt.iface, error) < 0)
			return -1;
	}
	buffers_.resize(size_t{batch} * buffer_size);
	iovs_.resize(batch);
	msgs_.resize(batch);
	for (uint32_t i = 0; i < batch; i++) {
		iovs_[i].iov_base = buffers_.data() + size_t{i} * buffer_size;
		iovs_[i].iov_len = buffer_size;
		msgs_[i] = mmsghdr{};
		msgs_[i].msg_hdr.msg_iov = &iovs_[i];
		msgs_[i].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

// Reads one socket until it is empty.
uint32_t KernelReceiver::drain(uint32_t index, FlowTable &table)
{
	const Endpoint &ep = endpoints_[index];
	uint32_t total = 0;
	for (;;) {
		const int r = recvmmsg(fds_[index], msgs_.data(), batch, MSG_DONTWAIT, nullptr);
		if (r <= 0)
			return total; // EAGAIN: empty; EINTR: the loop checks for a stop
		// One stamp per batch: the moment the application has the data.
		const uint64_t rx_ns = monotonic_ns();
		for (int i = 0; i < r; i++) {
			const mmsghdr &m = msgs_[i];
			if (m.msg_hdr.msg_flags & MSG_TRUNC)
				truncated_++;
			table.account(ep.addr, ep.port, static_cast<const uint8_t *>(iovs_[i].iov_base),
				      m.msg_len, rx_ns);
			msgs_[i].msg_hdr.msg_flags = 0;
		}
		total += static_cast<uint32_t>(r);
		if (static_cast<uint32_t>(r) < batch)
			return total;
	}
}

uint32_t KernelReceiver::poll(FlowTable &table)
{
	epoll_event events[16];
	const int n = epoll_wait(epoll_fd_, events, 16, wait_ms);
	uint32_t total = 0;
	for (int i = 0; i < n; i++)
		total += drain(events[i].data.u32, table);
	return total;
}

std::vector<std::pair<std::string, uint64_t>> KernelReceiver::counters() const
{
	return {{"truncated", truncated_}};
}

} // namespace mcr::sink
