// A port closed under the workers (its interface was deleted): they must
// neither poll it nor send on it; what they had for it is dropped as
// port-down, counted and freed; once it is open again (possibly as another
// ethdev) both directions work. Two net_ring ports: what is sent on one
// stays in its ring until received, so "nothing was sent" is observable.
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

class PortClosed : public ::testing::Test {
protected:
	void SetUp() override
	{
		pools_ = make_pools({{"pc_large", 2048, 1023, {}}});
		pool_ = pools_->classes()[0].pool;
		in_ = std::make_unique<VdevPort>("net_ring_pcin", "", pool_);
		out_ = std::make_unique<VdevPort>("net_ring_pcout", "", pool_);
		std::vector<EnginePort> ports = {
			{"in0", "ring", in_->port_id(), {{0x02, 0, 0, 0, 1, 1}}, ipv4(198, 18, 1, 1), false},
			{"out0", "ring", out_->port_id(), {{0x02, 0, 0, 0, 2, 1}}, ipv4(198, 18, 2, 1),
			 false},
		};
		EngineParams params;
		params.rule_capacity = 1024;
		engine_ = make_engine(std::move(ports), *pools_, params);
		config::Rule rule;
		rule.name = "in-to-out";
		rule.match = {.port = "in0", .dst = config::Prefix::host(ipv4(239, 1, 1, 1)), .dport = config::PortRange::single(5000)};
		rule.outputs = {{.port = "out0", .dport = 6000}};
		std::string error;
		ASSERT_EQ(add_rule(*engine_, rule, NeighbourLookup{}, &error), 0) << error;
		w_ = std::make_unique<Worker>();
		w_->engine = engine_.get();
		w_->rx.push_back({0, in_->port_id(), 0});
		idle_ = rte_mempool_in_use_count(pool_);
	}

	void TearDown() override
	{
		drain(in_->port_id());
		drain(out_->port_id());
		w_.reset();
		in_->close();
		out_->close();
		engine_.reset();
		pools_.reset();
	}

	// Frames waiting on the ring of `port_id`, as if they had arrived.
	void arrive(uint16_t port_id, unsigned count)
	{
		for (unsigned seq = 0; seq < count; seq++) {
			UdpFrame f;
			f.payload = sequenced_payload(1, seq, 64);
			const Bytes b = build_frame(f);
			rte_mbuf *m = rte_pktmbuf_alloc(pool_);
			ASSERT_NE(m, nullptr);
			std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(b.size())), b.data(),
				    b.size());
			ASSERT_EQ(rte_eth_tx_burst(port_id, 0, &m, 1), 1);
		}
	}

	unsigned drain(uint16_t port_id)
	{
		unsigned total = 0;
		rte_mbuf *got[32];
		uint16_t n;
		while ((n = rte_eth_rx_burst(port_id, 0, got, 32)) > 0) {
			total += n;
			rte_pktmbuf_free_bulk(got, n);
		}
		return total;
	}

	uint64_t drops(DropReason r) const
	{
		return drop_count(*w_, r);
	}

	std::unique_ptr<Pools> pools_;
	rte_mempool *pool_ = nullptr;
	std::unique_ptr<VdevPort> in_, out_;
	std::unique_ptr<Engine> engine_;
	std::unique_ptr<Worker> w_;
	unsigned idle_ = 0;
};

TEST_F(PortClosed, ClosedIngressIsNotPolledUntilOpenAgain)
{
	arrive(in_->port_id(), 10);
	engine_->close_port(0);
	EXPECT_EQ(engine_->ethdev(0), Engine::ethdev_closed);
	EXPECT_EQ(worker_poll(*w_), 0u);
	EXPECT_EQ(w_->counters.polls.get(), 0u) << "a closed port was polled";
	engine_->open_port(0, in_->port_id(), engine_->ports()[0].mac, engine_->ports()[0].ipv4, {}, 0);
	EXPECT_EQ(worker_poll(*w_), 10u);
	worker_flush(*w_);
	EXPECT_EQ(w_->ports[1].tx_packets.get(), 10u);
	EXPECT_EQ(drain(out_->port_id()), 10u);
}

TEST_F(PortClosed, WhatWasForAClosedEgressIsDroppedAsPortDownAndFreed)
{
	arrive(in_->port_id(), 10);
	EXPECT_EQ(worker_poll(*w_), 10u); // buffered for out0, not sent yet
	engine_->close_port(1);
	worker_flush(*w_);
	EXPECT_EQ(w_->ports[1].tx_packets.get(), 0u);
	EXPECT_EQ(w_->ports[1].tx_dropped.get(), 10u);
	EXPECT_EQ(drops(DropReason::port_down), 10u);
	EXPECT_EQ(drops(DropReason::tx_full), 0u);
	EXPECT_EQ(w_->tx_pending, 0u);
	EXPECT_EQ(drain(out_->port_id()), 0u) << "sent on a closed port";
	EXPECT_EQ(rte_mempool_in_use_count(pool_), idle_) << "dropped mbufs leaked";

	// Open again, here as the ethdev it was; the engine takes whichever.
	engine_->open_port(1, out_->port_id(), engine_->ports()[1].mac, engine_->ports()[1].ipv4, {}, 0);
	arrive(in_->port_id(), 5);
	EXPECT_EQ(worker_poll(*w_), 5u);
	worker_flush(*w_);
	EXPECT_EQ(w_->ports[1].tx_packets.get(), 5u);
	EXPECT_EQ(drain(out_->port_id()), 5u);
}

TEST_F(PortClosed, OpenAgainAsAnotherEthdevSendsThere)
{
	// The ingress ring stands in for the re-created egress' new ethdev.
	engine_->close_port(1);
	engine_->open_port(1, in_->port_id(), engine_->ports()[1].mac, engine_->ports()[1].ipv4, {}, 0);
	EXPECT_EQ(engine_->ethdev(1), in_->port_id());
	UdpFrame f;
	f.payload = sequenced_payload(1, 0, 64);
	const Bytes b = build_frame(f);
	rte_mbuf *m = rte_pktmbuf_alloc(pool_);
	ASSERT_NE(m, nullptr);
	std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(b.size())), b.data(), b.size());
	worker_handle_burst(*w_, 0, &m, 1);
	worker_flush(*w_);
	EXPECT_EQ(drain(out_->port_id()), 0u);
	EXPECT_EQ(drain(in_->port_id()), 1u);
}

} // namespace
} // namespace mcr::engine::test
