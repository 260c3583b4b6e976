#include "dpdk_receiver.h"

#include <algorithm>
#include <cstring>

#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_udp.h>

#include "packet/parse.h"
#include "packet/udp_checksum.h"
#include "packet/udp_checksum_ipv6.h"
#include "traffic/clock.h"

namespace mcr::sink {

using namespace mcr::traffic;

namespace {

constexpr uint16_t burst = 32;
// The IPv6 destination address, from the IPv6 header.
constexpr uint32_t ipv6_dst_offset = 24;
// Empty polls before poll() returns to let the main loop check its limits.
constexpr uint32_t empty_polls = 1000;

} // namespace

int DpdkReceiver::open(const SinkOptions &opt, std::string *error)
{
	spec_ = *opt.port;
	for (const ListenSpec &l : opt.listen)
		filter_.push_back(l.ep);
	return port_.open(spec_, "sink", error);
}

const char *DpdkReceiver::backend() const
{
	return spec_.driver == PortSpec::Driver::af_xdp ? "dpdk af_xdp" : "dpdk af_packet";
}

bool DpdkReceiver::wanted(const IpAddress &dst_ip, uint16_t dst_port) const
{
	if (filter_.empty())
		return true;
	for (const Endpoint &ep : filter_) {
		if (ep.addr == dst_ip && ep.port == dst_port)
			return true;
	}
	return false;
}

uint32_t DpdkReceiver::poll(FlowTable &table)
{
	rte_mbuf *mbufs[burst];
	for (uint32_t idle = 0; idle < empty_polls; idle++) {
		const uint16_t n = rte_eth_rx_burst(port_.id(), 0, mbufs, burst);
		if (n == 0) {
			rte_pause();
			continue;
		}
		const uint64_t rx_ns = monotonic_ns();
		for (uint16_t i = 0; i < n; i++) {
			// Headers and mcr-gen's header are in the first segment.
			const auto *frame = rte_pktmbuf_mtod(mbufs[i], const uint8_t *);
			const uint32_t data_len = mbufs[i]->data_len;
			packet::ParsedPacket pkt;
			if (packet::parse_frame(frame, data_len, pkt) != packet::DropReason::none) {
				not_udp_++;
				continue;
			}
			const bool v6 = pkt.ip_version == 6;
			IpAddress dst_ip;
			if (v6) {
				Ipv6 a;
				std::memcpy(a.data(), frame + pkt.l3_offset + ipv6_dst_offset, a.size());
				dst_ip = a;
			} else {
				dst_ip = rte_be_to_cpu_32(pkt.dst_ip);
			}
			const uint16_t dst_port = rte_be_to_cpu_16(pkt.dst_port);
			if (!wanted(dst_ip, dst_port)) {
				other_endpoint_++;
				continue;
			}
			// A kernel sender on the same host leaves partial sums: not errors.
			if (v6 ? !packet::udp_checksum_ipv6_ok(frame, pkt) : !packet::udp_checksum_ok(frame, pkt)) {
				bad_checksum_++;
				continue;
			}
			const uint32_t off = packet::payload_offset(pkt);
			const uint32_t len = std::min<uint32_t>(packet::payload_len(pkt), data_len - off);
			table.account(dst_ip, dst_port, frame + off, len, rx_ns);
		}
		rte_pktmbuf_free_bulk(mbufs, n);
		return n;
	}
	return 0;
}

std::vector<std::pair<std::string, uint64_t>> DpdkReceiver::counters() const
{
	return {{"not_udp", not_udp_}, {"other_endpoint", other_endpoint_}, {"bad_checksum", bad_checksum_}};
}

} // namespace mcr::sink
