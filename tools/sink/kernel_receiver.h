// mcr-sink on kernel UDP sockets: one per endpoint, AF_INET or AF_INET6
// (IPv6 only), bound to ADDR:PORT (a group address binds to the group, so
// each socket sees its group only), IPv4 groups joined with
// IP_ADD_MEMBERSHIP, IPv6 groups (MLD) and source-specific joins of either
// family with MCAST_JOIN_GROUP / MCAST_JOIN_SOURCE_GROUP; epoll for
// readiness and recvmmsg in batches into buffers set up once.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <vector>

#include "receiver.h"
#include "sink_options.h"

namespace mcr::sink {

class KernelReceiver final : public Receiver {
public:
	~KernelReceiver() override;

	int open(const SinkOptions &opt, std::string *error);

	uint32_t poll(traffic::FlowTable &table) override;
	const char *backend() const override { return "kernel"; }
	std::vector<std::pair<std::string, uint64_t>> counters() const override;

private:
	int open_socket(const ListenSpec &spec, const std::string &default_iface, std::string *error);
	int join(int fd, const ListenSpec &spec, const std::string &iface, std::string *error);
	uint32_t drain(uint32_t index, traffic::FlowTable &table);

	int epoll_fd_ = -1;
	std::vector<int> fds_;
	std::vector<traffic::Endpoint> endpoints_;
	std::vector<uint8_t> buffers_;
	std::vector<iovec> iovs_;
	std::vector<mmsghdr> msgs_;
	uint64_t truncated_ = 0;
};

} // namespace mcr::sink
