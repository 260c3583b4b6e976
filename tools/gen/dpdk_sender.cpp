#include "dpdk_sender.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "traffic/clock.h"
#include "traffic/ifaces.h"
#include "traffic/stop_signal.h"

namespace mcr::gen {

using namespace mcr::traffic;

namespace {

// A TX queue that takes nothing for this long is stuck (link down, socket
// gone); the rest of the batch is counted as failed rather than waited on.
constexpr uint64_t tx_stall_ns = 1000000000;

} // namespace

int DpdkSender::open(const GenOptions &opt, std::string *error)
{
	spec_ = *opt.port;
	if (port_.open(spec_, "gen", error) < 0)
		return -1;
	const uint32_t iface_addr = iface_ipv4(spec_.iface);
	Ipv6 iface_addr6{};
	const bool has_addr6 = iface_ipv6(spec_.iface, &iface_addr6);
	for (uint32_t f = 0; f < opt.flows.size(); f++) {
		const FlowSpec &flow = opt.flows[f];
		const bool v6 = is_ipv6(flow.dst.addr);
		UdpFrameSpec frame;
		frame.src_mac = port_.mac();
		if (is_multicast(flow.dst.addr)) {
			frame.dst_mac = multicast_mac(flow.dst.addr);
		} else if (opt.dst_mac) {
			frame.dst_mac = *opt.dst_mac;
		} else {
			*error = "flow " + format_endpoint(flow.dst.addr, flow.dst.port) +
				 " is unicast: give its next hop's MAC with --dst-mac";
			return -1;
		}
		if (flow.src_addr) {
			frame.src_ip = *flow.src_addr;
		} else if (v6 ? !has_addr6 : iface_addr == 0) {
			*error = spec_.iface + " has no " + (v6 ? "global IPv6" : "IPv4") +
				 " address: give the source in --flow DST:PORT@SRC";
			return -1;
		} else {
			frame.src_ip = v6 ? IpAddress{iface_addr6} : IpAddress{iface_addr};
		}
		frame.src_port = flow.src_port != 0 ? flow.src_port : default_dpdk_src_port;
		frame.dst_ip = flow.dst.addr;
		frame.dst_port = flow.dst.port;
		frame.ttl = opt.ttl;
		frame.frame_size = opt.frame_size;
		frame.flow_id = opt.flow_id(f);
		frame.seq_field = opt.seq_field;
		templates_.emplace_back(frame);
		sources_.push_back(Endpoint{frame.src_ip, frame.src_port});
	}
	mbufs_.resize(opt.burst);
	return 0;
}

const char *DpdkSender::backend() const
{
	return spec_.driver == PortSpec::Driver::af_xdp ? "dpdk af_xdp" : "dpdk af_packet";
}

std::string DpdkSender::source_of(uint32_t flow) const
{
	return format_endpoint(sources_[flow].addr, sources_[flow].port);
}

void DpdkSender::send(const SendItem *items, uint32_t n, uint64_t send_ns, FlowSendCount *counts)
{
	// The pool runs dry only while the TX ring holds every mbuf; the ring
	// drains as the PMD completes, so wait for it like for a full ring.
	const uint64_t alloc_start = monotonic_ns();
	while (rte_pktmbuf_alloc_bulk(port_.pool(), mbufs_.data(), n) != 0) {
		if (stop_requested() || monotonic_ns() - alloc_start > tx_stall_ns) {
			note_error("mbuf pool exhausted");
			for (uint32_t i = 0; i < n; i++)
				counts[items[i].flow].failed++;
			return;
		}
		rte_pause();
	}
	for (uint32_t i = 0; i < n; i++) {
		const UdpFrameTemplate &t = templates_[items[i].flow];
		rte_mbuf *m = mbufs_[i];
		auto *frame = reinterpret_cast<uint8_t *>(rte_pktmbuf_append(m, static_cast<uint16_t>(t.size())));
		t.write(frame, items[i].seq, send_ns);
	}
	uint32_t sent = 0;
	uint64_t last_progress = monotonic_ns();
	while (sent < n) {
		const uint16_t k = rte_eth_tx_burst(port_.id(), 0, mbufs_.data() + sent,
						    static_cast<uint16_t>(n - sent));
		for (uint32_t i = sent; i < sent + k; i++)
			counts[items[i].flow].sent++;
		sent += k;
		if (k > 0) {
			last_progress = monotonic_ns();
			continue;
		}
		if (stop_requested() || monotonic_ns() - last_progress > tx_stall_ns) {
			if (!stop_requested())
				note_error("TX queue stalled");
			break;
		}
		rte_pause();
	}
	for (uint32_t i = sent; i < n; i++) {
		counts[items[i].flow].failed++;
		rte_pktmbuf_free(mbufs_[i]);
	}
}

} // namespace mcr::gen
