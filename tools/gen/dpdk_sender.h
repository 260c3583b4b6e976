// mcr-gen through a DPDK port: frames built here from per-flow templates
// (Ethernet, IPv4 or IPv6, UDP with finished checksums) and sent with
// rte_eth_tx_burst. Multicast flows go to the group's MAC (01:00:5e:.. or
// 33:33:..); unicast flows to
// --dst-mac, since there is no kernel to resolve a neighbour for us.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gen_options.h"
#include "sender.h"
#include "traffic/dpdk_port.h"
#include "traffic/udp_frame.h"

struct rte_mbuf;

namespace mcr::gen {

class DpdkSender final : public Sender {
public:
	int open(const GenOptions &opt, std::string *error);

	void send(const traffic::SendItem *items, uint32_t n, uint64_t send_ns,
		  FlowSendCount *counts) override;
	const char *backend() const override;
	std::string source_of(uint32_t flow) const override;

private:
	traffic::PortSpec spec_;
	traffic::DpdkPort port_;
	std::vector<traffic::UdpFrameTemplate> templates_;
	std::vector<traffic::Endpoint> sources_;
	std::vector<rte_mbuf *> mbufs_;
};

} // namespace mcr::gen
