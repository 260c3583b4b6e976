// Golden pcaps through the real engine: frames the test builds go in through
// a net_pcap port, one Worker runs them to completion, and what net_pcap
// writes out is compared field by field with what the test computes on its
// own. Each case also checks the drop counters and that every pool is back
// where it started (no mbuf leaked on any path).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rte_byteorder.h>

#include "golden_common.h"

namespace mcr::engine::test {
namespace {

TEST(GoldenPcap, OneToOneRewritesTheReceivedMbufInPlace)
{
	const size_t payload_lens[] = {8, 18, 100, 511, 1000, 1472};
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 24; seq++)
		sent.push_back(flow_frame(1, seq, payload_lens[seq % 6]));
	RelayHarness h({ingress(sent), egress("out0")}, EngineParams{});
	const config::Rule rule = make_rule("one", group_1, 5000,
		{{.port = "out0", .dst = config::Prefix::host(out_group_a), .dport = 6000}});
	add_rule(h, rule);

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	// 24 < burst, so all are still buffered: the received mbufs themselves,
	// nothing copied or cloned.
	EXPECT_EQ(h.pool_in_use(), plus(before, {{"large", 24}}));
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> expected;
	for (const UdpFrame &f : sent)
		expected.push_back(relayed(f, {group_mac(out_group_a), out0_mac, out0_ip, out_group_a, 6000}));
	expect_flows(h.sent_on("out0"), expected);

	// Bytes as received (padding included) and as sent.
	uint64_t bytes_in = 0, bytes_out = 0;
	for (const UdpFrame &f : sent)
		bytes_in += build_frame(f).size();
	for (const UdpFrame &f : expected)
		bytes_out += build_frame(f).size();
	const CompiledRule &r = published(h, rule);
	EXPECT_EQ(r.counters(0).packets.get(), sent.size());
	EXPECT_EQ(r.counters(0).bytes.get(), bytes_in);
	EXPECT_EQ(r.output_counters(0, 0).packets.get(), sent.size());
	EXPECT_EQ(r.output_counters(0, 0).bytes.get(), bytes_out);
	EXPECT_EQ(r.output_counters(0, 0).dropped(), 0u);
	const PortCounters &in0 = h.worker().ports[h.port_index("in0")];
	const PortCounters &out0 = h.worker().ports[h.port_index("out0")];
	EXPECT_EQ(in0.rx_packets.get(), sent.size());
	EXPECT_EQ(in0.rx_bytes.get(), bytes_in);
	EXPECT_EQ(out0.tx_packets.get(), sent.size());
	EXPECT_EQ(out0.tx_bytes.get(), bytes_out);
	EXPECT_EQ(out0.tx_dropped.get(), 0u);
	EXPECT_EQ(h.worker().counters.busy_polls.get(), 1u) << "24 frames are one burst";
	expect_drops(h, {});
}

TEST(GoldenPcap, OneToThreeAcrossTwoPortsWithUnicastAndFixedTtl)
{
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 12; seq++)
		sent.push_back(flow_frame(1, seq, 100));
	UdpFrame last_hop = flow_frame(1, 12, 100);
	last_hop.ttl = 1; // only the output with a fixed TTL may send it
	sent.push_back(last_hop);
	UdpFrame ttl_two = flow_frame(1, 13, 100);
	ttl_two.ttl = 2; // leaves with TTL 1 on the decrementing outputs
	sent.push_back(ttl_two);

	RelayHarness h({ingress(sent), egress("out0"), egress("out1")}, EngineParams{});
	const config::Rule rule = make_rule("fan", group_1, 5000,
		{{.port = "out0", .dst = config::Prefix::host(out_group_a), .dport = 6000},
		 {.port = "out1", .dst = config::Prefix::host(out_group_b)},
		 {.port = "out1", .dst = config::Prefix::host(unicast_dst), .dport = 7000, .ttl = 16, .mac = unicast_next_hop}});
	add_rule(h, rule);

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	// Outputs 0 and 1 are copies into the smallest class (142 bytes);
	// output 2, the last, reuses the received mbuf.
	EXPECT_EQ(h.pool_in_use(), plus(before, {{"small", 2 * 13}, {"large", 14}}));
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	const Hop to_a{group_mac(out_group_a), out0_mac, out0_ip, out_group_a, 6000};
	const Hop to_b{group_mac(out_group_b), out1_mac, out1_ip, out_group_b, {}};
	const Hop to_host{unicast_next_hop, out1_mac, out1_ip, unicast_dst, 7000, 16};
	std::vector<UdpFrame> want_out0, want_out1;
	for (const UdpFrame &f : sent) {
		if (f.ttl > 1) {
			want_out0.push_back(relayed(f, to_a));
			want_out1.push_back(relayed(f, to_b));
		}
		want_out1.push_back(relayed(f, to_host));
	}
	// Both captures come from the same close, so read both before checking.
	expect_sent(h, "out0", want_out0, "out0");
	expect_sent(h, "out1", want_out1, "out1");

	const CompiledRule &r = published(h, rule);
	EXPECT_EQ(r.counters(0).packets.get(), 14u);
	EXPECT_EQ(r.output_counters(0, 0).packets.get(), 13u);
	EXPECT_EQ(r.output_counters(0, 0).dropped(), 1u);
	EXPECT_EQ(r.output_counters(0, 1).packets.get(), 13u);
	EXPECT_EQ(r.output_counters(0, 1).dropped(), 1u);
	EXPECT_EQ(r.output_counters(0, 2).packets.get(), 14u);
	EXPECT_EQ(r.output_counters(0, 2).dropped(), 0u);
	EXPECT_EQ(h.worker().ports[h.port_index("out0")].tx_packets.get(), 13u);
	EXPECT_EQ(h.worker().ports[h.port_index("out1")].tx_packets.get(), 27u);
	expect_drops(h, {{DropReason::ttl_expired, 2}});
}

// Small frames are copied and large ones cloned (a header mbuf chained to an
// indirect mbuf on the received payload) on a port that takes chains; on a
// port that does not, large frames must be copied too.
void copy_and_clone(bool out0_takes_chains)
{
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 8; seq++)
		sent.push_back(flow_frame(1, seq, seq % 2 ? 1200 : 40));
	EngineParams params;
	params.copy_threshold = 200;
	PortPlan out0 = egress("out0");
	out0.multi_seg_tx = out0_takes_chains;
	RelayHarness h({ingress(sent), out0, egress("out1")}, params);
	const config::Rule rule = make_rule("paths", group_1, 5000,
		{{.port = "out0", .dst = config::Prefix::host(out_group_a), .dport = 6000},
		 {.port = "out1", .dst = config::Prefix::host(out_group_b), .dport = 6001}});
	add_rule(h, rule);

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	// 4 small copies; 8 received mbufs rewritten in place for out1; the 4
	// large outputs to out0 as clones, or as copies into "large".
	const PoolUse in_flight = out0_takes_chains
		? PoolUse{{"small", 4}, {"large", 8}, {"clone", 4}, {"header", 4}}
		: PoolUse{{"small", 4}, {"large", 8 + 4}};
	EXPECT_EQ(h.pool_in_use(), plus(before, in_flight));
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want_out0, want_out1;
	for (const UdpFrame &f : sent) {
		want_out0.push_back(relayed(f, {group_mac(out_group_a), out0_mac, out0_ip, out_group_a, 6000}));
		want_out1.push_back(relayed(f, {group_mac(out_group_b), out1_mac, out1_ip, out_group_b, 6001}));
	}
	expect_sent(h, "out0", want_out0, "out0 (copies and clones)");
	expect_sent(h, "out1", want_out1, "out1 (in place)");
	expect_drops(h, {});
}

TEST(GoldenPcap, SmallFramesAreCopiedLargeFramesCloned)
{
	copy_and_clone(true);
}

TEST(GoldenPcap, LargeFramesAreCopiedWhenThePortTakesNoChains)
{
	copy_and_clone(false);
}

TEST(GoldenPcap, VlanTagsAreMatchedStrippedAndAdded)
{
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 6; seq++) {
		UdpFrame tagged = flow_frame(1, seq, 64);
		tagged.vlan = 0xa064; // PCP 5, VLAN 100: the priority is not part of the match
		sent.push_back(tagged);
		UdpFrame untagged = flow_frame(2, seq, 64);
		untagged.dst_ip = group_2;
		untagged.dst_mac = group_mac(group_2);
		sent.push_back(untagged);
		UdpFrame retag = flow_frame(3, seq, 64);
		retag.vlan = 100;
		retag.dst_ip = group_3;
		retag.dst_mac = group_mac(retag.dst_ip);
		sent.push_back(retag);
	}
	// No rule: the right group on another VLAN, and untagged.
	for (uint32_t seq = 0; seq < 3; seq++) {
		UdpFrame other_vlan = flow_frame(4, seq, 64);
		other_vlan.vlan = 101;
		sent.push_back(other_vlan);
	}
	for (uint32_t seq = 0; seq < 2; seq++)
		sent.push_back(flow_frame(5, seq, 64));
	// 802.1p priority tags (VLAN id 0) count as untagged.
	for (uint32_t seq = 0; seq < 3; seq++) {
		UdpFrame priority_tagged = flow_frame(6, seq, 64);
		priority_tagged.vlan = 0xa000;
		priority_tagged.dst_ip = group_2;
		priority_tagged.dst_mac = group_mac(priority_tagged.dst_ip);
		sent.push_back(priority_tagged);
	}

	RelayHarness h({ingress(sent), egress("out0"), egress("out1")}, EngineParams{});
	add_rule(h, make_rule("untag", group_1, 5000, {{.port = "out0", .dport = 6000}}, {}, 100));
	add_rule(h, make_rule("tag", group_2, 5000, {{.port = "out1", .vlan = 200}}));
	add_rule(h, make_rule("retag", group_3, 5000, {{.port = "out1", .vlan = 300}}, {}, 100));

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want_out0, want_out1;
	for (const UdpFrame &f : sent) {
		const uint32_t flow = payload_flow(f.payload);
		if (flow == 1)
			want_out0.push_back(relayed(f, {group_mac(group_1), out0_mac, out0_ip, {}, 6000}));
		else if (flow == 2 || flow == 6)
			want_out1.push_back(relayed(f, {group_mac(group_2), out1_mac, out1_ip, {}, {}, {}, 200}));
		else if (flow == 3)
			want_out1.push_back(relayed(f, {group_mac(group_3), out1_mac, out1_ip, {}, {}, {}, 300}));
	}
	expect_sent(h, "out0", want_out0, "out0 (VLAN 100 in, untagged out)");
	expect_sent(h, "out1", want_out1,
		    "out1 (untagged or priority-tagged in, VLAN 200 out; VLAN 100 in, VLAN 300 out)");
	expect_drops(h, {{DropReason::no_rule, 5}});
}

TEST(GoldenPcap, SourceSpecificRuleBeatsAnySourceRule)
{
	std::vector<UdpFrame> sent;
	const uint32_t sources[] = {source_1, source_2, source_3};
	for (uint32_t seq = 0; seq < 9; seq++)
		for (uint32_t s = 0; s < 3; s++) {
			UdpFrame f = flow_frame(s + 1, seq, 80);
			f.src_ip = sources[s];
			sent.push_back(f);
		}
	RelayHarness h({ingress(sent), egress("out0"), egress("out1")}, EngineParams{});
	add_rule(h, make_rule("any", group_1, 5000, {{.port = "out1", .dport = 6001}}));
	add_rule(h, make_rule("from-1", group_1, 5000, {{.port = "out0", .dport = 6000}}, source_1));
	ASSERT_TRUE(h.engine().rules().has_source_specific(rte_cpu_to_be_32(group_1)));

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want_out0, want_out1;
	for (const UdpFrame &f : sent) {
		if (f.src_ip == source_1)
			want_out0.push_back(relayed(f, {group_mac(group_1), out0_mac, out0_ip, {}, 6000}));
		else
			want_out1.push_back(relayed(f, {group_mac(group_1), out1_mac, out1_ip, {}, 6001}));
	}
	expect_sent(h, "out0", want_out0, "out0: (S1,G)");
	expect_sent(h, "out1", want_out1, "out1: (*,G) for S2 and S3");
	expect_drops(h, {});
}

TEST(GoldenPcap, MalformedFramesAreDroppedByReasonAndValidOnesRelayed)
{
	std::vector<UdpFrame> valid;
	for (uint32_t seq = 0; seq < 10; seq++)
		valid.push_back(flow_frame(1, seq, 200));

	// A distinct count per reason, so a drop filed under the wrong reason
	// cannot go unnoticed.
	std::vector<std::vector<Bytes>> bad(7);
	{
		Bytes cut = build_frame(flow_frame(9, 0, 200));
		cut.resize(30); // ends inside the IPv4 header
		bad[0].push_back(cut);
	}
	for (uint32_t i = 0; i < 2; i++) {
		Bytes b = build_frame(flow_frame(9, i, 200));
		b[14 + 10] ^= 0x5a; // IPv4 header checksum
		bad[1].push_back(b);
	}
	for (uint32_t i = 0; i < 3; i++) {
		UdpFrame f = flow_frame(9, i, 200);
		f.flags_fragment = i == 0 ? 0x2000 : static_cast<uint16_t>(0x0000 + 185 * i); // MF / offset
		bad[2].push_back(build_frame(f));
	}
	for (uint32_t i = 0; i < 4; i++) {
		UdpFrame f = flow_frame(9, i, 200);
		f.ttl = i % 2; // 0 and 1: nothing left to decrement
		bad[3].push_back(build_frame(f));
	}
	for (uint32_t i = 0; i < 5; i++) {
		UdpFrame f = flow_frame(9, i, 200);
		f.ether_type = i % 2 ? 0x0806 : 0x88cc; // ARP, LLDP
		bad[4].push_back(build_frame(f));
	}
	for (uint32_t i = 0; i < 6; i++) {
		UdpFrame f = flow_frame(9, i, 200);
		f.protocol = i % 2 ? 6 : 2; // TCP, IGMP
		bad[5].push_back(build_frame(f));
	}
	for (uint32_t i = 0; i < 7; i++) {
		UdpFrame f = flow_frame(9, i, 200);
		if (i % 2) {
			f.dst_port = 5999;
		} else {
			f.dst_ip = ipv4(239, 9, 9, 9);
			f.dst_mac = group_mac(f.dst_ip);
		}
		bad[6].push_back(build_frame(f));
	}
	// Valid and malformed interleaved, so drops happen inside bursts
	// between packets that must still go out in order.
	std::vector<Bytes> wire;
	size_t next_valid = 0;
	for (size_t round = 0; round < 7; round++) {
		for (auto &kind : bad)
			if (round < kind.size())
				wire.push_back(kind[round]);
		if (next_valid < valid.size())
			wire.push_back(build_frame(valid[next_valid++]));
	}
	while (next_valid < valid.size())
		wire.push_back(build_frame(valid[next_valid++]));
	ASSERT_EQ(wire.size(), 10u + 28u);

	RelayHarness h({ingress_bytes(wire), egress("out0")}, EngineParams{});
	const config::Rule rule = make_rule("valid", group_1, 5000, {{.port = "out0", .dport = 6000}});
	add_rule(h, rule);

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), wire.size());
	// Only the valid frames are still held (buffered for TX).
	EXPECT_EQ(h.pool_in_use(), plus(before, {{"large", 10}}));
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want;
	for (const UdpFrame &f : valid)
		want.push_back(relayed(f, {group_mac(group_1), out0_mac, out0_ip, {}, 6000}));
	expect_flows(h.sent_on("out0"), want);

	expect_drops(h, {
		{DropReason::truncated, 1},
		{DropReason::bad_checksum, 2},
		{DropReason::fragment, 3},
		{DropReason::ttl_expired, 4},
		{DropReason::not_ip, 5},
		{DropReason::not_udp, 6},
		{DropReason::no_rule, 7},
	});
	// Parse and lookup drops count on the ingress port, the output's
	// TTL drops on its egress port.
	expect_port_drops(h, "in0", {
		{DropReason::truncated, 1},
		{DropReason::bad_checksum, 2},
		{DropReason::fragment, 3},
		{DropReason::not_ip, 5},
		{DropReason::not_udp, 6},
		{DropReason::no_rule, 7},
	});
	expect_port_drops(h, "out0", {{DropReason::ttl_expired, 4}});
	const CompiledRule &r = published(h, rule);
	EXPECT_EQ(r.counters(0).packets.get(), 10u + 4u) << "TTL-expired frames matched the rule";
	EXPECT_EQ(r.output_counters(0, 0).packets.get(), 10u);
	EXPECT_EQ(r.output_counters(0, 0).dropped(), 4u);
	expect_output_drops(r.output_counters(0, 0), {{DropReason::ttl_expired, 4}});
	EXPECT_EQ(h.worker().ports[h.port_index("in0")].rx_packets.get(), wire.size());
}

TEST(GoldenPcap, SustainedMixedTrafficLeaksNothing)
{
	// Enough frames for many bursts and TX flushes from full buffers, over
	// every output path: copies, clones, in place, tagged and not.
	const size_t payload_lens[] = {8, 100, 300, 1000, 1472};
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 300; seq++) {
		sent.push_back(flow_frame(1, seq, payload_lens[seq % 5]));
		UdpFrame g2 = flow_frame(2, seq, payload_lens[(seq + 2) % 5]);
		g2.dst_ip = group_2;
		g2.dst_mac = group_mac(group_2);
		sent.push_back(g2);
	}
	EngineParams params;
	params.copy_threshold = 256;
	RelayHarness h({ingress(sent), egress("out0"), egress("out1")}, params);
	const config::Rule fan = make_rule("fan", group_1, 5000,
		{{.port = "out0", .dst = config::Prefix::host(out_group_a), .dport = 6000},
		 {.port = "out1", .dst = config::Prefix::host(unicast_dst), .dport = 7000, .ttl = 9, .mac = unicast_next_hop},
		 {.port = "out1", .dst = config::Prefix::host(out_group_b), .vlan = 42}});
	const config::Rule single = make_rule("single", group_2, 5000, {{.port = "out0", .vlan = 7}});
	add_rule(h, fan);
	add_rule(h, single);

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want_out0, want_out1;
	for (const UdpFrame &f : sent) {
		if (payload_flow(f.payload) == 1) {
			want_out0.push_back(relayed(f, {group_mac(out_group_a), out0_mac, out0_ip, out_group_a, 6000}));
			want_out1.push_back(relayed(f, {unicast_next_hop, out1_mac, out1_ip, unicast_dst, 7000, 9}));
			want_out1.push_back(relayed(f, {group_mac(out_group_b), out1_mac, out1_ip, out_group_b, {}, {}, 42}));
		} else {
			want_out0.push_back(relayed(f, {group_mac(group_2), out0_mac, out0_ip, {}, {}, {}, 7}));
		}
	}
	expect_sent(h, "out0", want_out0, "out0");
	expect_sent(h, "out1", want_out1, "out1");
	EXPECT_EQ(published(h, fan).counters(0).packets.get(), 300u);
	EXPECT_EQ(published(h, single).counters(0).packets.get(), 300u);
	EXPECT_EQ(h.worker().ports[h.port_index("out0")].tx_packets.get(), 600u);
	EXPECT_EQ(h.worker().ports[h.port_index("out1")].tx_packets.get(), 600u);
	expect_drops(h, {});
}

} // namespace
} // namespace mcr::engine::test
