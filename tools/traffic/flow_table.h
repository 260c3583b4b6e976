// The sink's per-flow results. A flow is the generator's flow id as seen
// at one endpoint (destination address and port): a relay fanning one
// flow out to three groups yields three flows here, each a complete
// stream of its own, not three copies of one.
//
// Flow records are allocated once, when a flow is first seen; the index is
// sized at construction. Nothing is allocated per packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "traffic/address.h"
#include "traffic/latency_histogram.h"
#include "traffic/payload_header.h"
#include "traffic/seq_accounting.h"

namespace mcr::traffic {

struct FlowKey {
	IpAddress dst_ip;  // IPv4 host order, IPv6 as on the wire
	uint16_t dst_port; // host order
	uint32_t flow_id;

	bool operator==(const FlowKey &) const = default;
};

struct FlowStats {
	FlowKey key;
	SeqAccount seq;
	LatencyHistogram latency;
	// Receive time before the send stamp: clocks that are not one clock
	// (another host) or a corrupt stamp. Kept out of the histogram.
	uint64_t negative_latency = 0;
	uint64_t payload_bytes = 0;
};

// Packets that reached the sink but no flow record.
struct SinkCounters {
	uint64_t accounted = 0;  // counted in a flow
	uint64_t foreign = 0;    // UDP without mcr-gen's header
	uint64_t untracked = 0;  // mcr-gen traffic beyond max_flows
};

class FlowTable {
public:
	explicit FlowTable(uint32_t max_flows);

	// Accounts one received UDP payload at endpoint (dst_ip, dst_port),
	// received at rx_ns (CLOCK_MONOTONIC).
	void account(const IpAddress &dst_ip, uint16_t dst_port, const uint8_t *payload, size_t len,
		     uint64_t rx_ns)
	{
		PayloadHeader h;
		if (!decode_payload_header(payload, len, &h)) {
			counters_.foreign++;
			return;
		}
		FlowStats *f = find_or_add(FlowKey{dst_ip, dst_port, h.flow_id});
		if (f == nullptr) {
			counters_.untracked++;
			return;
		}
		counters_.accounted++;
		f->seq.record(h.seq);
		f->payload_bytes += len;
		if (rx_ns >= h.send_ns)
			f->latency.record(rx_ns - h.send_ns);
		else
			f->negative_latency++;
	}

	FlowStats *find_or_add(const FlowKey &key);

	const SinkCounters &counters() const { return counters_; }
	size_t size() const { return flows_.size(); }
	// Flows sorted by endpoint, then flow id (for reports).
	std::vector<const FlowStats *> sorted() const;

private:
	static uint64_t hash(const FlowKey &k);

	std::vector<std::unique_ptr<FlowStats>> flows_;
	std::vector<int32_t> index_; // open addressing, -1 = empty
	uint64_t index_mask_;
	uint32_t max_flows_;
	SinkCounters counters_;
};

} // namespace mcr::traffic
