// mcr-gen through kernel UDP sockets: one socket per distinct source (and
// family: AF_INET for IPv4 flows, AF_INET6 for IPv6 flows), and one
// sendmmsg per socket per batch (flows sharing a source share a call,
// each message carrying its own destination).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gen_options.h"
#include "sender.h"

namespace mcr::gen {

class KernelSender final : public Sender {
public:
	~KernelSender() override;

	int open(const GenOptions &opt, std::string *error);

	void send(const traffic::SendItem *items, uint32_t n, uint64_t send_ns,
		  FlowSendCount *counts) override;
	const char *backend() const override { return "kernel"; }
	std::string source_of(uint32_t flow) const override;

private:
	int open_socket(const GenOptions &opt, const FlowSpec &flow, std::string *error);
	void send_run(int fd, uint32_t begin, uint32_t end, const traffic::SendItem *items,
		      FlowSendCount *counts);

	std::vector<int> fds_;
	std::vector<traffic::Endpoint> fd_source_; // as bound
	std::vector<uint32_t> flow_socket_;         // flow -> index in fds_
	std::vector<sockaddr_storage> flow_dst_;
	std::vector<socklen_t> flow_dst_len_;
	std::vector<uint32_t> flow_payload_size_; // IPv6 flows carry 20 bytes less
	std::vector<uint32_t> flow_id_;

	// One slot per batch position, set up once: payload buffer, iovec and
	// message; per packet only the header and the destination change.
	uint32_t payload_size_ = 0; // a slot: the largest flow's payload
	traffic::SeqField seq_field_;
	std::vector<uint8_t> payloads_;
	std::vector<iovec> iovs_;
	std::vector<mmsghdr> msgs_;
	std::vector<uint32_t> order_;  // batch position -> item index, grouped by socket
	std::vector<uint32_t> bucket_; // counting sort scratch, one per socket + 1
};

} // namespace mcr::gen
