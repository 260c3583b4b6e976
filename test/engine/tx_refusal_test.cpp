// What the PMD refuses: an egress net_ring port whose ring nobody drains
// fills up, and the worker must count the rest as tx-full on the port, the
// output and the drop reasons, free them, and keep what was accepted in
// order. (net_pcap and net_null never refuse, so this needs its own port.)
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/model.h"
#include "engine/engine.h"
#include "engine/worker.h"
#include "engine_setup.h"
#include "frame_builder.h"
#include "packet/drop_reason.h"
#include "vdev_port.h"

namespace mcr::engine::test {
namespace {

using packet::DropReason;

TEST(TxRefusal, RefusedPacketsAreCountedAndFreedAcceptedOnesKeepOrder)
{
	constexpr uint32_t frames = 1100; // more than a net_ring ring holds
	auto pools = make_pools({{"tr_large", 2048, 2047, {}}});
	rte_mempool *rx_pool = pools->classes()[0].pool;
	// net_ring without arguments loops one ring back: what is sent stays
	// queued until someone receives it.
	auto ring = std::make_unique<VdevPort>("net_ring_txr0", "", rx_pool);
	std::vector<EnginePort> ports = {
		{"in0", "none", ring->port_id(), {}, ipv4(198, 18, 1, 1), false},
		{"out0", "ring", ring->port_id(), {{0x02, 0, 0, 0, 2, 1}}, ipv4(198, 18, 2, 1), false},
	};
	EngineParams params;
	params.rule_capacity = 1024;
	auto engine = make_engine(std::move(ports), *pools, params);
	config::Rule rule;
	rule.name = "to-ring";
	rule.match = {.port = "in0", .dst = config::Prefix::host(ipv4(239, 1, 1, 1)), .dport = config::PortRange::single(5000)};
	rule.outputs = {{.port = "out0", .dport = 6000}};
	std::string error;
	ASSERT_EQ(add_rule(*engine, rule, NeighbourLookup{}, &error), 0) << error;

	auto w = std::make_unique<Worker>();
	w->engine = engine.get();
	const unsigned in_use_before = rte_mempool_in_use_count(rx_pool);

	for (uint32_t first = 0; first < frames; first += 32) {
		rte_mbuf *burst[32];
		uint16_t n = 0;
		for (uint32_t seq = first; seq < frames && n < 32; seq++, n++) {
			UdpFrame f;
			f.payload = sequenced_payload(1, seq, 64);
			const Bytes b = build_frame(f);
			burst[n] = rte_pktmbuf_alloc(rx_pool);
			ASSERT_NE(burst[n], nullptr);
			std::memcpy(rte_pktmbuf_append(burst[n], static_cast<uint16_t>(b.size())), b.data(),
				    b.size());
		}
		worker_handle_burst(*w, 0, burst, n);
	}
	worker_flush(*w);

	const PortCounters &out = w->ports[1];
	const uint64_t accepted = out.tx_packets.get();
	const uint64_t refused = out.tx_dropped.get();
	EXPECT_EQ(accepted + refused, frames);
	EXPECT_GT(refused, 0u) << "the ring never filled: the test proves nothing";
	EXPECT_EQ(drop_count(*w, DropReason::tx_full), refused);
	EXPECT_EQ(w->drops[1].reasons[static_cast<size_t>(DropReason::tx_full)].get(), refused)
		<< "tx-full counts on the egress port";
	EXPECT_EQ(w->drops[0].reasons[static_cast<size_t>(DropReason::tx_full)].get(), 0u);
	const CompiledRule *r = engine->rules().find(Engine::key_of(rule.match, 0));
	ASSERT_NE(r, nullptr);
	EXPECT_EQ(r->output_counters(0, 0).packets.get(), accepted);
	EXPECT_EQ(r->output_counters(0, 0).dropped(DropReason::tx_full), refused);
	EXPECT_EQ(r->output_counters(0, 0).dropped(), refused);
	// Counted when queued, taken back when refused: bytes too.
	constexpr uint64_t out_frame_len = 42 + 64;
	EXPECT_EQ(r->output_counters(0, 0).bytes.get(), accepted * out_frame_len);
	EXPECT_EQ(out.tx_bytes.get(), accepted * out_frame_len);
	EXPECT_EQ(w->tx_pending, 0u);
	// Only what the ring holds is still out of the pool.
	EXPECT_EQ(rte_mempool_in_use_count(rx_pool), in_use_before + accepted) << "refused mbufs leaked";

	// The accepted ones are the first ones, in order, rewritten.
	uint64_t drained = 0, out_of_order = 0, not_rewritten = 0;
	rte_mbuf *got[32];
	uint16_t n;
	while ((n = rte_eth_rx_burst(ring->port_id(), 0, got, 32)) > 0) {
		for (uint16_t i = 0; i < n; i++) {
			const uint8_t *d = rte_pktmbuf_mtod(got[i], const uint8_t *);
			const Bytes payload(d + 42, d + rte_pktmbuf_data_len(got[i]));
			out_of_order += payload_seq(payload) != drained;
			not_rewritten += read16(d + 36) != 6000;
			drained++;
		}
		rte_pktmbuf_free_bulk(got, n);
	}
	EXPECT_EQ(drained, accepted);
	EXPECT_EQ(out_of_order, 0u);
	EXPECT_EQ(not_rewritten, 0u);
	EXPECT_EQ(rte_mempool_in_use_count(rx_pool), in_use_before);

	w.reset();
	ring->close();
	engine.reset();
	pools.reset();
}

} // namespace
} // namespace mcr::engine::test
