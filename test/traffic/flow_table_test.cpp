#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "traffic/flow_table.h"

using namespace mcr::traffic;

namespace {

struct Payload {
	std::array<uint8_t, 64> bytes{};

	Payload(uint32_t flow, uint64_t seq, uint64_t send_ns)
	{
		encode_payload_header(bytes.data(), PayloadHeader{flow, seq, send_ns});
	}
};

constexpr uint32_t group_a = 0xef010101; // 239.1.1.1
constexpr uint32_t group_b = 0xef020202;

} // namespace

TEST(FlowTable, AFlowIsAnIdAtAnEndpoint)
{
	FlowTable t(16);
	for (uint64_t s = 0; s < 10; s++) {
		const Payload p(7, s, 1000);
		t.account(group_a, 5000, p.bytes.data(), p.bytes.size(), 1500);
		t.account(group_b, 6000, p.bytes.data(), p.bytes.size(), 1700);
	}
	ASSERT_EQ(t.size(), 2u);
	const auto flows = t.sorted();
	EXPECT_EQ(flows[0]->key, (FlowKey{group_a, 5000, 7}));
	EXPECT_EQ(flows[1]->key, (FlowKey{group_b, 6000, 7}));
	for (const FlowStats *f : flows) {
		EXPECT_EQ(f->seq.received(), 10u);
		EXPECT_EQ(f->seq.duplicated(), 0u);
		EXPECT_EQ(f->payload_bytes, 640u);
	}
	EXPECT_EQ(flows[0]->latency.max(), 500u);
	EXPECT_EQ(flows[1]->latency.max(), 700u);
	EXPECT_EQ(t.counters().accounted, 20u);
}

TEST(FlowTable, SortsByEndpointThenFlowId)
{
	FlowTable t(16);
	for (uint32_t id : {5u, 1u, 3u}) {
		const Payload p(id, 0, 0);
		t.account(group_a, 5000, p.bytes.data(), p.bytes.size(), 0);
	}
	const auto flows = t.sorted();
	EXPECT_EQ(flows[0]->key.flow_id, 1u);
	EXPECT_EQ(flows[1]->key.flow_id, 3u);
	EXPECT_EQ(flows[2]->key.flow_id, 5u);
}

TEST(FlowTable, CountsWhatItCannotAccount)
{
	FlowTable t(2);
	std::array<uint8_t, 64> junk{};
	t.account(group_a, 5000, junk.data(), junk.size(), 0);
	for (uint32_t id = 0; id < 4; id++) {
		const Payload p(id, 0, 0);
		t.account(group_a, 5000, p.bytes.data(), p.bytes.size(), 0);
	}
	EXPECT_EQ(t.counters().foreign, 1u);
	EXPECT_EQ(t.counters().accounted, 2u);
	EXPECT_EQ(t.counters().untracked, 2u);
	EXPECT_EQ(t.size(), 2u);
}

TEST(FlowTable, NegativeLatencyStaysOutOfTheHistogram)
{
	FlowTable t(4);
	const Payload p(1, 0, 5000);
	t.account(group_a, 5000, p.bytes.data(), p.bytes.size(), 4000);
	const FlowStats *f = t.sorted().front();
	EXPECT_EQ(f->negative_latency, 1u);
	EXPECT_EQ(f->latency.count(), 0u);
	EXPECT_EQ(f->seq.received(), 1u);
}

TEST(FlowTable, ManyFlowsFindTheirOwnRecord)
{
	FlowTable t(1000);
	for (uint64_t round = 0; round < 3; round++)
		for (uint32_t id = 0; id < 1000; id++) {
			const Payload p(id, round, 0);
			t.account(group_a + id % 7, static_cast<uint16_t>(5000 + id % 3), p.bytes.data(),
				  p.bytes.size(), 0);
		}
	ASSERT_EQ(t.size(), 1000u);
	for (const FlowStats *f : t.sorted())
		ASSERT_EQ(f->seq.received(), 3u);
}

TEST(FlowTable, Ipv6EndpointsAreFlowsOfTheirOwn)
{
	FlowTable t(16);
	Ipv6 g1{0xff, 0x3e}, g2{0xff, 0x3e};
	g1[15] = 1;
	g2[15] = 2;
	const Payload p(3, 0, 0);
	t.account(g2, 5000, p.bytes.data(), p.bytes.size(), 10);
	t.account(g1, 5000, p.bytes.data(), p.bytes.size(), 10);
	t.account(group_a, 5000, p.bytes.data(), p.bytes.size(), 10);
	t.account(g1, 5000, p.bytes.data(), p.bytes.size(), 10);
	ASSERT_EQ(t.size(), 3u);
	const auto flows = t.sorted();
	EXPECT_EQ(flows[0]->key, (FlowKey{group_a, 5000, 3}));
	EXPECT_EQ(flows[1]->key, (FlowKey{g1, 5000, 3}));
	EXPECT_EQ(flows[2]->key, (FlowKey{g2, 5000, 3}));
	EXPECT_EQ(flows[1]->seq.received(), 2u);
	EXPECT_EQ(flows[1]->seq.duplicated(), 1u);
}
