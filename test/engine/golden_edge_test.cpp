// Golden pcaps for the less common shapes of traffic and control: datagrams
// without a UDP checksum, IPv4 options, bursts larger than one bulk lookup,
// a VLAN tag the PMD stripped into the mbuf, rules replaced or removed
// between bursts, and pools running dry. Same harness and checks as
// golden_pcap_test.cpp.
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine_setup.h"
#include "golden_common.h"

namespace mcr::engine::test {
namespace {

TEST(GoldenPcapEdge, DatagramsWithoutUdpChecksumLeaveWithout)
{
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 6; seq++) {
		UdpFrame f = flow_frame(1, seq, seq % 2 ? 1200 : 60);
		f.with_udp_checksum = false;
		sent.push_back(f);
	}
	EngineParams params;
	params.copy_threshold = 200;
	PortPlan out0 = egress("out0");
	out0.multi_seg_tx = true; // large ones cloned, small ones copied
	RelayHarness h({ingress(sent), out0, egress("out1")}, params);
	add_rule(h, make_rule("nocsum", group_1, 5000,
		{{.port = "out0", .dst = config::Prefix::host(out_group_a), .dport = 6000},
		 {.port = "out1", .dst = config::Prefix::host(unicast_dst), .dport = 7000, .mac = unicast_next_hop}}));

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want_out0, want_out1;
	for (const UdpFrame &f : sent) {
		want_out0.push_back(relayed(f, {group_mac(out_group_a), out0_mac, out0_ip, out_group_a, 6000}));
		want_out1.push_back(relayed(f, {unicast_next_hop, out1_mac, out1_ip, unicast_dst, 7000}));
	}
	expect_sent(h, "out0", want_out0, "out0");
	expect_sent(h, "out1", want_out1, "out1");
	expect_drops(h, {});
}

TEST(GoldenPcapEdge, IpOptionsAreNotCarriedAndThePayloadIsIntact)
{
	const Bytes options[] = {
		{0x01, 0x01, 0x01, 0x00},                         // NOPs, end of list
		{0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00}, // router alert, NOPs
	};
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 8; seq++) {
		UdpFrame f = flow_frame(1, seq, seq % 4 < 2 ? 64 : 1100);
		f.ip_options = options[seq % 2];
		sent.push_back(f);
	}
	EngineParams params;
	params.copy_threshold = 200;
	PortPlan out0 = egress("out0");
	out0.multi_seg_tx = true;
	RelayHarness h({ingress(sent), out0, egress("out1")}, params);
	add_rule(h, make_rule("options", group_1, 5000,
		{{.port = "out0", .dst = config::Prefix::host(out_group_a), .dport = 6000},
		 {.port = "out1", .vlan = 5}}));

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want_out0, want_out1;
	for (const UdpFrame &f : sent) {
		want_out0.push_back(relayed(f, {group_mac(out_group_a), out0_mac, out0_ip, out_group_a, 6000}));
		want_out1.push_back(relayed(f, {group_mac(group_1), out1_mac, out1_ip, {}, {}, {}, 5}));
	}
	expect_sent(h, "out0", want_out0, "out0 (copies and clones)");
	expect_sent(h, "out1", want_out1, "out1 (in place, header shrinks by the options, grows by the tag)");
	expect_drops(h, {});
}

// 1:1 outputs that keep the group and port, or translate both, as most
// relays have: rewritten in place field by field (rewrite_simple_in_place)
// when the frame is untagged, without IPv4 options and with a whole or no
// UDP checksum; the rest (a partial checksum to finish, options to drop)
// through the general path. The same frames either way: padding trimmed,
// TTL 2 leaving as 1, checksums of all-ones addresses.
TEST(GoldenPcapEdge, OneToOneSimpleOutputsInPlaceMatchTheGeneralPath)
{
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 12; seq++) {
		UdpFrame f = flow_frame(1, seq, seq % 3 == 0 ? 8 : 200 + seq);
		f.dst_ip = seq % 2 ? group_1 : group_2;
		f.dst_mac = group_mac(f.dst_ip);
		f.ttl = seq % 4 == 1 ? 2 : 64;
		f.src_ip = seq % 6 == 5 ? 0xffffffff : source_1;
		f.with_udp_checksum = seq % 5 != 2;
		f.partial_udp_checksum = seq == 4 || seq == 9;
		if (seq == 6 || seq == 7)
			f.ip_options = {0x01, 0x01, 0x01, 0x00};
		sent.push_back(f);
	}
	RelayHarness h({ingress(sent), egress("out0"), egress("out1")}, EngineParams{});
	add_rule(h, make_rule("keep", group_1, 5000, {{.port = "out0"}}));
	add_rule(h, make_rule("translate", group_2, 5000, {{.port = "out1", .dst = config::Prefix::host(out_group_a), .dport = 6000}}));

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want_out0, want_out1;
	for (const UdpFrame &f : sent) {
		if (f.dst_ip == group_1)
			want_out0.push_back(relayed(f, {group_mac(group_1), out0_mac, out0_ip, {}, {}}));
		else
			want_out1.push_back(relayed(f, {group_mac(out_group_a), out1_mac, out1_ip, out_group_a, 6000}));
	}
	expect_sent(h, "out0", want_out0, "out0 (group and port kept)");
	expect_sent(h, "out1", want_out1, "out1 (group and port translated)");
	expect_drops(h, {});
}

TEST(GoldenPcapEdge, BurstsLargerThanOneBulkLookupKeepOrderAndVerdicts)
{
	// A 128-packet RX burst is parsed and looked up in chunks of 64; every
	// fifth frame has no rule, so each chunk has holes to map back.
	std::vector<UdpFrame> sent;
	uint64_t unmatched = 0;
	for (uint32_t seq = 0; seq < 300; seq++) {
		UdpFrame f = flow_frame(1, seq, 100 + seq % 50);
		if (seq % 5 == 4) {
			f.dst_ip = ipv4(239, 9, 9, 9);
			f.dst_mac = group_mac(f.dst_ip);
			unmatched++;
		}
		sent.push_back(f);
	}
	EngineParams params;
	params.burst = 128;
	RelayHarness h({ingress(sent), egress("out0"), egress("out1")}, params);
	add_rule(h, make_rule("big", group_1, 5000,
		{{.port = "out1", .dport = 6001}, {.port = "out0", .dport = 6000}}));

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want_out0, want_out1;
	for (const UdpFrame &f : sent)
		if (f.dst_ip == group_1) {
			want_out0.push_back(relayed(f, {group_mac(group_1), out0_mac, out0_ip, {}, 6000}));
			want_out1.push_back(relayed(f, {group_mac(group_1), out1_mac, out1_ip, {}, 6001}));
		}
	expect_sent(h, "out0", want_out0, "out0");
	expect_sent(h, "out1", want_out1, "out1");
	expect_drops(h, {{DropReason::no_rule, unmatched}});
	EXPECT_EQ(h.worker().ports[h.port_index("out0")].tx_packets.get(), want_out0.size());
}

TEST(GoldenPcapEdge, VlanStrippedByThePmdIsMatchedFromTheMbuf)
{
	// af_packet delivers frames the kernel untagged, with the tag in
	// mbuf->vlan_tci and RTE_MBUF_F_RX_VLAN_STRIPPED set.
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 5; seq++)
		sent.push_back(flow_frame(1, seq, 300));
	RelayHarness h({ingress({}), egress("out0"), egress("out1")}, EngineParams{});
	add_rule(h, make_rule("stripped", group_1, 5000,
		{{.port = "out0", .dport = 6000, .vlan = 100}, {.port = "out1", .dport = 6001}}, {}, 100));

	const PoolUse before = h.pool_in_use();
	h.receive("in0", built(sent), [](rte_mbuf *m) {
		m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
		m->vlan_tci = 0x6064; // PCP 3, VLAN 100
	});
	// The same frames without the flag are untagged: no rule for them.
	h.receive("in0", built(sent));
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want_out0, want_out1;
	for (const UdpFrame &f : sent) {
		want_out0.push_back(relayed(f, {group_mac(group_1), out0_mac, out0_ip, {}, 6000, {}, 100}));
		want_out1.push_back(relayed(f, {group_mac(group_1), out1_mac, out1_ip, {}, 6001}));
	}
	expect_sent(h, "out0", want_out0, "out0 (tag written back)");
	expect_sent(h, "out1", want_out1, "out1 (untagged)");
	expect_drops(h, {{DropReason::no_rule, sent.size()}});
}

TEST(GoldenPcapEdge, RulesReplacedOrRemovedBetweenBurstsTakeEffect)
{
	auto burst = [](uint32_t first_seq) {
		std::vector<UdpFrame> frames;
		for (uint32_t seq = first_seq; seq < first_seq + 4; seq++)
			frames.push_back(flow_frame(1, seq, 120));
		return frames;
	};
	const std::vector<UdpFrame> first = burst(0), second = burst(4), third = burst(8);
	RelayHarness h({ingress({}), egress("out0"), egress("out1")}, EngineParams{});
	const PoolUse before = h.pool_in_use();

	add_rule(h, make_rule("feed", group_1, 5000, {{.port = "out0", .dport = 6000}}));
	h.receive("in0", built(first));
	h.flush();
	// Same match, new outputs: replaces the rule.
	const config::Rule moved = make_rule("feed", group_1, 5000, {{.port = "out1", .dport = 6001}});
	add_rule(h, moved);
	EXPECT_EQ(h.engine().rules().size(), 1u);
	h.receive("in0", built(second));
	h.flush();
	ASSERT_EQ(remove_rule(h.engine(), moved), 0);
	h.receive("in0", built(third));
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want_out0, want_out1;
	for (const UdpFrame &f : first)
		want_out0.push_back(relayed(f, {group_mac(group_1), out0_mac, out0_ip, {}, 6000}));
	for (const UdpFrame &f : second)
		want_out1.push_back(relayed(f, {group_mac(group_1), out1_mac, out1_ip, {}, 6001}));
	expect_sent(h, "out0", want_out0, "out0 (before the replace)");
	expect_sent(h, "out1", want_out1, "out1 (after the replace)");
	expect_drops(h, {{DropReason::no_rule, third.size()}});
}

TEST(GoldenPcapEdge, TheIngressPortIsPartOfTheMatch)
{
	// The same group and port arrive on in0 and in1 and go where each
	// port's rule says. in1 is listed last (port index 3), so a key built
	// without the ingress port would be caught.
	std::vector<UdpFrame> on_in0, on_in1;
	for (uint32_t seq = 0; seq < 6; seq++) {
		on_in0.push_back(flow_frame(1, seq, 90));
		on_in1.push_back(flow_frame(2, seq, 90));
		UdpFrame only_in0_has_a_rule = flow_frame(3, seq, 90);
		only_in0_has_a_rule.dst_ip = group_2;
		only_in0_has_a_rule.dst_mac = group_mac(group_2);
		on_in1.push_back(only_in0_has_a_rule);
	}
	const PortPlan in1{"in1", {0x02, 0x00, 0x00, 0x00, 0x04, 0x01}, ipv4(198, 18, 4, 1), built(on_in1)};
	RelayHarness h({egress("out0"), ingress(on_in0), egress("out1"), in1}, EngineParams{});
	ASSERT_EQ(h.port_index("in1"), 3u);
	add_rule(h, make_rule("from-in0", group_1, 5000, {{.port = "out0", .dport = 6000}}));
	add_rule(h, make_rule("group-2-from-in0", group_2, 5000, {{.port = "out0", .dport = 6002}}));
	config::Rule from_in1 = make_rule("from-in1", group_1, 5000, {{.port = "out1", .dport = 6001}});
	from_in1.match.port = "in1";
	add_rule(h, from_in1);

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), on_in0.size() + on_in1.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want_out0, want_out1;
	for (const UdpFrame &f : on_in0)
		want_out0.push_back(relayed(f, {group_mac(group_1), out0_mac, out0_ip, {}, 6000}));
	for (const UdpFrame &f : on_in1)
		if (f.dst_ip == group_1)
			want_out1.push_back(relayed(f, {group_mac(group_1), out1_mac, out1_ip, {}, 6001}));
	expect_sent(h, "out0", want_out0, "out0 (from in0)");
	expect_sent(h, "out1", want_out1, "out1 (from in1)");
	expect_drops(h, {{DropReason::no_rule, 6}});
	EXPECT_EQ(h.worker().ports[h.port_index("in1")].rx_packets.get(), on_in1.size());
}

TEST(GoldenPcapEdge, AnEmptyCopyPoolDropsOnlyTheOutputsThatNeedIt)
{
	// 16 small mbufs, no per-lcore cache: the 17th copy finds the class
	// empty. The in-place output of the same packets is unaffected.
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 24; seq++)
		sent.push_back(flow_frame(1, seq, 100));
	RelayHarness h({ingress({}), egress("out0"), egress("out1")}, EngineParams{},
		       {{"small", 512, 16, {}}, {"large", 2048, 1023, {}}});
	const config::Rule rule = make_rule("starved", group_1, 5000,
		{{.port = "out0", .dport = 6000}, {.port = "out1", .dport = 6001}});
	add_rule(h, rule);

	const PoolUse before = h.pool_in_use();
	h.receive("in0", built(sent)); // one burst; nothing flushed until below
	EXPECT_EQ(h.pool_in_use(), plus(before, {{"small", 16}, {"large", 24}}));
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want_out0, want_out1;
	for (const UdpFrame &f : sent) {
		if (payload_seq(f.payload) < 16)
			want_out0.push_back(relayed(f, {group_mac(group_1), out0_mac, out0_ip, {}, 6000}));
		want_out1.push_back(relayed(f, {group_mac(group_1), out1_mac, out1_ip, {}, 6001}));
	}
	expect_sent(h, "out0", want_out0, "out0 (copies, pool runs dry)");
	expect_sent(h, "out1", want_out1, "out1 (in place)");
	const CompiledRule &r = published(h, rule);
	EXPECT_EQ(r.output_counters(0, 0).packets.get(), 16u);
	expect_output_drops(r.output_counters(0, 0), {{DropReason::no_buffer, 8}});
	EXPECT_EQ(r.output_counters(0, 1).packets.get(), 24u);
	EXPECT_EQ(r.output_counters(0, 1).dropped(), 0u);
	expect_drops(h, {{DropReason::no_buffer, 8}});
	expect_port_drops(h, "out0", {{DropReason::no_buffer, 8}}); // the output's egress port
	expect_port_drops(h, "in0", {});
	expect_port_drops(h, "out1", {});
}

TEST(GoldenPcapEdge, AnOutputWithoutNeighbourDropsAndTheOthersRelay)
{
	// A unicast output whose next hop's MAC is not known yet (no `mac:`,
	// nothing in the neighbour table): compiled unresolved, each datagram
	// a no-neighbour drop on that output, the rule's other output served.
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 10; seq++)
		sent.push_back(flow_frame(1, seq, seq % 2 ? 1000 : 80));
	RelayHarness h({ingress({}), egress("out0"), egress("out1")}, EngineParams{});
	const config::Rule rule = make_rule("waiting", group_1, 5000,
		{{.port = "out0", .dst = config::Prefix::host(unicast_dst), .dport = 6000},
		 {.port = "out1", .dport = 6001}});
	add_rule(h, rule);

	const PoolUse before = h.pool_in_use();
	h.receive("in0", built(sent));
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	std::vector<UdpFrame> want_out1;
	for (const UdpFrame &f : sent)
		want_out1.push_back(relayed(f, {group_mac(group_1), out1_mac, out1_ip, {}, 6001}));
	expect_sent(h, "out0", {}, "out0 (no neighbour)");
	expect_sent(h, "out1", want_out1, "out1");
	const CompiledRule &r = published(h, rule);
	EXPECT_EQ(r.output_counters(0, 0).packets.get(), 0u);
	EXPECT_EQ(r.output_counters(0, 0).dropped(DropReason::no_neighbour), sent.size());
	EXPECT_EQ(r.output_counters(0, 1).packets.get(), sent.size());
	EXPECT_EQ(r.output_counters(0, 1).dropped(), 0u);
	expect_drops(h, {{DropReason::no_neighbour, sent.size()}});
}

TEST(GoldenPcapEdge, ClonesLeftUnusedByTtlDropsGiveTheirReferencesBack)
{
	// A packet's shared clone takes one reference per output that may use
	// it; with TTL 1 only the output with a fixed TTL sends, so the others
	// must be given back, or neither the clone nor the received mbuf ever
	// returns to its pool.
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 12; seq++) {
		UdpFrame f = flow_frame(1, seq, 1000);
		f.ttl = seq % 3 == 0 ? 1 : 64;
		sent.push_back(f);
	}
	EngineParams params;
	params.copy_threshold = 200;
	PortPlan out0 = egress("out0");
	out0.multi_seg_tx = true;
	RelayHarness h({ingress(sent), out0, egress("out1")}, params);
	add_rule(h, make_rule("clones", group_1, 5000,
		{{.port = "out0", .dport = 6000},
		 {.port = "out0", .dport = 6001, .ttl = 5},
		 {.port = "out0", .dport = 6002},
		 {.port = "out1", .dport = 6003}}));

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want_out0, want_out1;
	uint64_t expired = 0;
	for (const UdpFrame &f : sent) {
		want_out0.push_back(relayed(f, {group_mac(group_1), out0_mac, out0_ip, {}, 6001, 5}));
		if (f.ttl == 1) {
			expired += 3;
			continue;
		}
		want_out0.push_back(relayed(f, {group_mac(group_1), out0_mac, out0_ip, {}, 6000}));
		want_out0.push_back(relayed(f, {group_mac(group_1), out0_mac, out0_ip, {}, 6002}));
		want_out1.push_back(relayed(f, {group_mac(group_1), out1_mac, out1_ip, {}, 6003}));
	}
	expect_sent(h, "out0", want_out0, "out0 (clones)");
	expect_sent(h, "out1", want_out1, "out1 (in place)");
	expect_drops(h, {{DropReason::ttl_expired, expired}});
}

TEST(GoldenPcapEdge, AnEmptyClonePoolDropsTheCloneOutputsOfPacketsItCannotClone)
{
	// Pools of 63 mbufs have no per-lcore cache, so what the clone pool can
	// still give is exact. A packet's clone outputs share one clone of its
	// payload: three clones left serve both clone outputs of the first
	// three packets and none of the last three, whose header mbufs go
	// back. The in-place output of every packet is unaffected.
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 6; seq++)
		sent.push_back(flow_frame(1, seq, 1000));
	EngineParams params;
	params.copy_threshold = 200;
	PortPlan out0 = egress("out0");
	out0.multi_seg_tx = true;
	RelayHarness h({ingress({}), out0, egress("out1")}, params,
		       {{"small", 512, 63, {}}, {"large", 2048, 63, {}}});
	const config::Rule rule = make_rule("starved", group_1, 5000,
		{{.port = "out0", .dport = 6000}, {.port = "out0", .dport = 6001}, {.port = "out1", .dport = 6002}});
	add_rule(h, rule);

	const PoolUse before = h.pool_in_use();
	rte_mempool *clones = h.engine().clone_pool();
	ASSERT_EQ(clones->cache_size, 0u);
	std::vector<void *> held(rte_mempool_avail_count(clones) - 3);
	ASSERT_EQ(rte_mempool_get_bulk(clones, held.data(), static_cast<unsigned>(held.size())), 0);
	h.receive("in0", built(sent)); // one burst; nothing flushed until below
	EXPECT_EQ(rte_mempool_avail_count(clones), 0u);
	EXPECT_EQ(rte_mempool_in_use_count(h.engine().header_pool()), 6u) << "unused header mbufs kept";
	h.flush();
	rte_mempool_put_bulk(clones, held.data(), static_cast<unsigned>(held.size()));
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want_out0, want_out1;
	for (const UdpFrame &f : sent) {
		if (payload_seq(f.payload) < 3) {
			want_out0.push_back(relayed(f, {group_mac(group_1), out0_mac, out0_ip, {}, 6000}));
			want_out0.push_back(relayed(f, {group_mac(group_1), out0_mac, out0_ip, {}, 6001}));
		}
		want_out1.push_back(relayed(f, {group_mac(group_1), out1_mac, out1_ip, {}, 6002}));
	}
	expect_sent(h, "out0", want_out0, "out0 (clones, pool runs dry)");
	expect_sent(h, "out1", want_out1, "out1 (in place)");
	const CompiledRule &r = published(h, rule);
	for (unsigned o = 0; o < 2; o++) {
		EXPECT_EQ(r.output_counters(0, o).packets.get(), 3u) << "output " << o;
		EXPECT_EQ(r.output_counters(0, o).dropped(), 3u) << "output " << o;
	}
	EXPECT_EQ(r.output_counters(0, 2).packets.get(), 6u);
	expect_drops(h, {{DropReason::no_buffer, 6}});
}

} // namespace
} // namespace mcr::engine::test
