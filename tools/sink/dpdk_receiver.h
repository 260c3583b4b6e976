// mcr-sink on a DPDK port: polls the RX queue, parses Ethernet [802.1Q]
// IPv4 or IPv6 UDP with mcr's own parsers, checks the UDP checksum (a relay that
// corrupts payloads must show), and accounts the payload at its
// destination address and port. Endpoints, when given, select what is
// counted; everything else is counted as ignored.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "receiver.h"
#include "sink_options.h"
#include "traffic/dpdk_port.h"

namespace mcr::sink {

class DpdkReceiver final : public Receiver {
public:
	int open(const SinkOptions &opt, std::string *error);

	uint32_t poll(traffic::FlowTable &table) override;
	const char *backend() const override;
	std::vector<std::pair<std::string, uint64_t>> counters() const override;

private:
	bool wanted(const traffic::IpAddress &dst_ip, uint16_t dst_port) const;

	traffic::PortSpec spec_;
	traffic::DpdkPort port_;
	std::vector<traffic::Endpoint> filter_;
	uint64_t not_udp_ = 0;       // not IPv4 or IPv6 UDP, or malformed
	uint64_t other_endpoint_ = 0; // UDP to an endpoint not asked for
	uint64_t bad_checksum_ = 0;
};

} // namespace mcr::sink
