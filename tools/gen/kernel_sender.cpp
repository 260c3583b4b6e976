#include "kernel_sender.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "traffic/clock.h"
#include "traffic/ifaces.h"
#include "traffic/sockaddr.h"
#include "traffic/payload_header.h"
#include "traffic/rate_pacer.h"
#include "traffic/stop_signal.h"

namespace mcr::gen {

using namespace mcr::traffic;

KernelSender::~KernelSender()
{
	for (int fd : fds_)
		::close(fd);
}

int KernelSender::open_socket(const GenOptions &opt, const FlowSpec &flow, std::string *error)
{
	const bool v6 = is_ipv6(flow.dst.addr);
	const int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*error = std::string("socket: ") + std::strerror(errno);
		return -1;
	}
	fds_.push_back(fd);
	const int ttl = opt.ttl;
	const IpAddress src_addr = flow.src_addr.value_or(v6 ? IpAddress{Ipv6{}} : IpAddress{uint32_t{0}});
	sockaddr_storage src{};
	const socklen_t src_len = to_sockaddr(src_addr, flow.src_port, &src);
	if (v6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
		setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof(ttl));
		// Groups leave by the source's interface (IPv6 names it by
		// index), not by the route to the group.
		if (flow.src_addr) {
			const unsigned ifindex = iface_index_of(src_addr);
			if (ifindex != 0)
				setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex));
		}
	} else {
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
		if (flow.src_addr) {
			// Groups leave by the source's interface, not by the route to
			// the group (which may be the default route, or none).
			in_addr ifaddr{reinterpret_cast<sockaddr_in *>(&src)->sin_addr.s_addr};
			setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ifaddr, sizeof(ifaddr));
		}
	}
	// Bound even without a source, so the summary can name the port.
	if (bind(fd, reinterpret_cast<sockaddr *>(&src), src_len) < 0) {
		*error = "bind " + format_endpoint(src_addr, flow.src_port) + ": " + std::strerror(errno);
		return -1;
	}
	socklen_t len = sizeof(src);
	getsockname(fd, reinterpret_cast<sockaddr *>(&src), &len);
	fd_source_.push_back(from_sockaddr(src));
	return static_cast<int>(fds_.size() - 1);
}

int KernelSender::open(const GenOptions &opt, std::string *error)
{
	for (uint32_t f = 0; f < opt.flows.size(); f++) {
		const FlowSpec &flow = opt.flows[f];
		// Flows with the same source spec share its socket. An
		// unspecified port is the same spec: one ephemeral port for all.
		int sock = -1;
		// A socket is of one family: an unset source is per family.
		for (uint32_t g = 0; g < f && sock < 0; g++) {
			const FlowSpec &other = opt.flows[g];
			if (other.src_addr == flow.src_addr && other.src_port == flow.src_port &&
			    is_ipv6(other.dst.addr) == is_ipv6(flow.dst.addr))
				sock = static_cast<int>(flow_socket_[g]);
		}
		if (sock < 0 && (sock = open_socket(opt, flow, error)) < 0)
			return -1;
		flow_socket_.push_back(static_cast<uint32_t>(sock));
		sockaddr_storage dst{};
		flow_dst_len_.push_back(to_sockaddr(flow.dst.addr, flow.dst.port, &dst));
		flow_dst_.push_back(dst);
		flow_payload_size_.push_back(opt.payload_size(flow.dst.addr));
		flow_id_.push_back(opt.flow_id(f));
	}

	seq_field_ = opt.seq_field;
	payload_size_ = *std::max_element(flow_payload_size_.begin(), flow_payload_size_.end());
	payloads_.resize(size_t{opt.burst} * payload_size_);
	for (size_t i = 0; i < payloads_.size(); i++)
		payloads_[i] = static_cast<uint8_t>(i % payload_size_ + udp_frame_overhead);
	iovs_.resize(opt.burst);
	msgs_.resize(opt.burst);
	for (uint32_t i = 0; i < opt.burst; i++) {
		iovs_[i].iov_base = payloads_.data() + size_t{i} * payload_size_;
		iovs_[i].iov_len = payload_size_;
		msgs_[i] = mmsghdr{};
		msgs_[i].msg_hdr.msg_iov = &iovs_[i];
		msgs_[i].msg_hdr.msg_iovlen = 1;
	}
	order_.resize(opt.burst);
	bucket_.resize(fds_.size() + 1);
	return 0;
}

std::string KernelSender::source_of(uint32_t flow) const
{
	const Endpoint &ep = fd_source_[flow_socket_[flow]];
	return format_endpoint(ep.addr, ep.port);
}

void KernelSender::send(const SendItem *items, uint32_t n, uint64_t send_ns, FlowSendCount *counts)
{
	const auto sockets = static_cast<uint32_t>(fds_.size());
	// Group the batch by socket, keeping each flow's order (a stable
	// counting sort); with one socket the order stays as it is.
	if (sockets == 1) {
		for (uint32_t i = 0; i < n; i++)
			order_[i] = i;
	} else {
		std::fill(bucket_.begin(), bucket_.end(), 0);
		for (uint32_t i = 0; i < n; i++)
			bucket_[flow_socket_[items[i].flow] + 1]++;
		for (uint32_t s = 1; s <= sockets; s++)
			bucket_[s] += bucket_[s - 1];
		for (uint32_t i = 0; i < n; i++)
			order_[bucket_[flow_socket_[items[i].flow]]++] = i;
	}
	for (uint32_t pos = 0; pos < n; pos++) {
		const SendItem &item = items[order_[pos]];
		auto *payload = static_cast<uint8_t *>(iovs_[pos].iov_base);
		encode_payload_header(payload, PayloadHeader{flow_id_[item.flow], item.seq, send_ns});
		if (seq_field_.enabled())
			seq_field_.write(payload, item.seq);
		msgs_[pos].msg_hdr.msg_name = &flow_dst_[item.flow];
		msgs_[pos].msg_hdr.msg_namelen = flow_dst_len_[item.flow];
		iovs_[pos].iov_len = flow_payload_size_[item.flow];
	}
	uint32_t begin = 0;
	while (begin < n) {
		const uint32_t sock = flow_socket_[items[order_[begin]].flow];
		uint32_t end = begin + 1;
		while (end < n && flow_socket_[items[order_[end]].flow] == sock)
			end++;
		send_run(fds_[sock], begin, end, items, counts);
		begin = end;
	}
}

void KernelSender::send_run(int fd, uint32_t begin, uint32_t end, const SendItem *items,
			    FlowSendCount *counts)
{
	uint32_t pos = begin;
	while (pos < end) {
		const int r = sendmmsg(fd, &msgs_[pos], end - pos, 0);
		if (r > 0) {
			for (uint32_t i = pos; i < pos + static_cast<uint32_t>(r); i++)
				counts[items[order_[i]].flow].sent++;
			pos += static_cast<uint32_t>(r);
			continue;
		}
		const int err = errno;
		if ((err == EINTR || err == EAGAIN || err == ENOBUFS) && !stop_requested()) {
			// Full queues clear by themselves; a stop ends the retry.
			if (err != EINTR)
				wait_until(monotonic_ns() + 10000);
			continue;
		}
		if (err != EINTR && err != EAGAIN && err != ENOBUFS) {
			// Refused outright (no route, permission): skip that
			// message, try the rest.
			note_error(std::string("sendmmsg: ") + std::strerror(err));
			counts[items[order_[pos]].flow].failed++;
			pos++;
			continue;
		}
		for (uint32_t i = pos; i < end; i++)
			counts[items[order_[i]].flow].failed++;
		return;
	}
}

} // namespace mcr::gen
