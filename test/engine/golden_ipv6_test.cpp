// Golden pcaps for IPv6 through the real engine: IPv6 groups relayed to
// IPv6 groups and unicast receivers, IPv4 to IPv6 and back, extension
// headers skipped, malformed IPv6 counted by reason, IPv6 fragments
// reassembled, and the MTU rules of the general path. Frames are built and
// checked by the test's own code (relay_expect6.h); every case ends with
// the pools as it found them and every drop counter as expected.
#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/reassembly.h"
#include "engine_setup.h"
#include "golden_common.h"
#include "relay_expect6.h"

namespace mcr::engine::test {
namespace {

using packet::test::ExtHeader;
namespace fb = packet::test;

const Ipv6Bytes in0_ip6 = ip6({0x2001, 2, 0, 1, 0, 0, 0, 1});
const Ipv6Bytes out0_ip6 = ip6({0x2001, 2, 0, 2, 0, 0, 0, 1});
const Ipv6Bytes out1_ip6 = ip6({0x2001, 2, 0, 3, 0, 0, 0, 1});
const Ipv6Bytes source6 = ip6({0x2001, 2, 0, 0, 0, 0, 0, 0x0a});
const Ipv6Bytes given6 = ip6({0x2001, 2, 0, 9, 0, 0, 0, 9});
const Ipv6Bytes group6_1 = ip6({0xff3e, 0, 0, 0, 0, 0, 1, 1});
const Ipv6Bytes out_group6 = ip6({0xff3e, 0, 0, 0, 0, 0, 2, 2});
const Ipv6Bytes unicast6 = ip6({0x2001, 2, 0, 3, 0, 0, 0, 0x10});

PortPlan egress6(const std::string &name, uint16_t mtu = 1500)
{
	PortPlan p = egress(name);
	p.ipv6 = name == "out0" ? out0_ip6 : out1_ip6;
	p.mtu = mtu;
	return p;
}

PortPlan ingress6(std::vector<Bytes> frames)
{
	PortPlan p = ingress_bytes(std::move(frames));
	p.ipv6 = in0_ip6;
	return p;
}

config::Rule make_rule6(const std::string &name, const Ipv6Bytes &group, uint16_t dport,
			std::vector<config::Output> outputs)
{
	config::Rule r;
	r.name = name;
	r.match.port = "in0";
	r.match.dst = config::Prefix::host(config::Ipv6{group});
	r.match.dport = config::PortRange::single(dport);
	r.outputs = std::move(outputs);
	return r;
}

config::Prefix host6(const Ipv6Bytes &a)
{
	return config::Prefix::host(config::Ipv6{a});
}

// The flows of these tests: flow 1 to group6_1:5000 from source6.
FrameBuilder6 flow6(uint32_t seq, size_t payload_len, uint8_t hop_limit = 64)
{
	FrameBuilder6 f = frame6(sender_mac, source6, group6_1, 5000, 1, seq, payload_len);
	f.traffic_class = 0xb9; // DSCP 46, ECN 1: ECN must survive a DSCP set
	f.hop_limit = hop_limit;
	return f;
}

std::vector<Bytes> built6(const std::vector<FrameBuilder6> &frames)
{
	std::vector<Bytes> b;
	for (const FrameBuilder6 &f : frames)
		b.push_back(f.build());
	return b;
}

TEST(GoldenIpv6, GroupToGroupAndUnicastWithCopiesAndTheLastInPlace)
{
	const size_t lens[] = {8, 18, 100, 600, 1400, 1440};
	std::vector<FrameBuilder6> sent;
	for (uint32_t seq = 0; seq < 6; seq++)
		sent.push_back(flow6(seq, lens[seq]));
	sent.push_back(flow6(6, 50, 1)); // hop limit 1: only the output that sets one sends
	sent.push_back(flow6(7, 50, 1));
	RelayHarness h({ingress6(built6(sent)), egress6("out0"), egress6("out1")}, EngineParams{});
	const config::Rule rule = make_rule6("six", group6_1, 5000,
		{{.port = "out0", .dst = host6(out_group6), .dport = 6000, .vlan = 10, .dscp = 10},
		 {.port = "out1", .dst = host6(unicast6), .dport = 6001, .ttl = 9,
		  .mac = unicast_next_hop, .src = config::OutputSource::keep()},
		 {.port = "out0", .src = config::OutputSource::given(config::Ipv6{given6})}});
	add_rule(h, rule);

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<FrameBuilder6> want0, want1;
	for (const FrameBuilder6 &f : sent) {
		if (f.hop_limit > 1) {
			want0.push_back(relayed6(f, {group_mac6(out_group6), out0_mac, out0_ip6, out_group6,
						     6000, {}, 10, 10}));
			want0.push_back(relayed6(f, {group_mac6(group6_1), out0_mac, given6}));
		}
		want1.push_back(relayed6(f, {unicast_next_hop, out1_mac, source6, unicast6, 6001, 9}));
	}
	expect_frames6(h.sent_on("out0"), want0, "out0: group copies, then the kept group in place");
	expect_frames6(h.sent_on("out1"), want1, "out1: unicast with hop limit set");
	expect_drops(h, {{DropReason::ttl_expired, 4}});
	expect_port_drops(h, "out0", {{DropReason::ttl_expired, 4}});
	const CompiledRule &r = published(h, rule);
	EXPECT_TRUE(r.general());
	EXPECT_EQ(r.counters(0).packets.get(), sent.size());
	expect_output_drops(r.output_counters(0, 0), {{DropReason::ttl_expired, 2}});
	expect_output_drops(r.output_counters(0, 1), {});
	expect_output_drops(r.output_counters(0, 2), {{DropReason::ttl_expired, 2}});
	EXPECT_EQ(r.output_counters(0, 0).packets.get(), 6u);
	EXPECT_EQ(r.output_counters(0, 1).packets.get(), 8u);
	EXPECT_EQ(r.output_counters(0, 2).packets.get(), 6u);
}

TEST(GoldenIpv6, Ipv4ToIpv6CarriesAChecksumEvenWhenTheSenderGaveNone)
{
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 6; seq++) {
		UdpFrame f = flow_frame(1, seq, seq % 2 ? 20 : 900);
		f.with_udp_checksum = seq % 3 != 0; // 0 and 3 without
		f.tos = 0x2d;
		sent.push_back(f);
	}
	UdpFrame expiring = flow_frame(1, 6, 40);
	expiring.ttl = 1;
	sent.push_back(expiring);
	RelayHarness h({ingress(sent), egress6("out0"), egress6("out1")}, EngineParams{});
	const config::Rule rule = make_rule("four-to-six", group_1, 5000,
		{{.port = "out0", .dst = host6(out_group6), .dport = 6000, .dscp = 12},
		 {.port = "out1", .dst = host6(unicast6), .ttl = 3, .vlan = 7, .mac = unicast_next_hop,
		  .src = config::OutputSource::given(config::Ipv6{given6})}});
	add_rule(h, rule);

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<FrameBuilder6> want0, want1;
	for (const UdpFrame &f : sent) {
		if (f.ttl > 1)
			want0.push_back(relayed4to6(f, {group_mac6(out_group6), out0_mac, out0_ip6, out_group6,
							6000, {}, {}, 12}));
		want1.push_back(relayed4to6(f, {unicast_next_hop, out1_mac, given6, unicast6, {}, 3, 7}));
	}
	expect_frames6(h.sent_on("out0"), want0, "out0: IPv6 group");
	expect_frames6(h.sent_on("out1"), want1, "out1: IPv6 unicast, tagged");
	expect_drops(h, {{DropReason::ttl_expired, 1}});
}

TEST(GoldenIpv6, Ipv6ToIpv4SetsDfIdZeroAndTtlFromTheHopLimit)
{
	std::vector<FrameBuilder6> sent;
	for (uint32_t seq = 0; seq < 4; seq++)
		sent.push_back(flow6(seq, seq % 2 ? 30 : 1000, static_cast<uint8_t>(2 + seq)));
	sent.push_back(flow6(4, 30, 1));
	RelayHarness h({ingress6(built6(sent)), egress("out0"), egress("out1")}, EngineParams{});
	const config::Rule rule = make_rule6("six-to-four", group6_1, 5000,
		{{.port = "out0", .dst = config::Prefix::host(out_group_a), .dport = 6000},
		 {.port = "out1", .dst = config::Prefix::host(unicast_dst), .ttl = 33, .vlan = 5,
		  .mac = unicast_next_hop, .dscp = 0}});
	add_rule(h, rule);

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want0, want1;
	for (const FrameBuilder6 &f : sent) {
		if (f.hop_limit > 1)
			want0.push_back(relayed6to4(f, {group_mac(out_group_a), out0_mac, out0_ip, out_group_a, 6000}));
		want1.push_back(relayed6to4(f, {unicast_next_hop, out1_mac, out1_ip, unicast_dst, {}, 33, 5, 0}));
	}
	expect_frames4(h.sent_on("out0"), want0, "out0: IPv4 group");
	expect_frames4(h.sent_on("out1"), want1, "out1: IPv4 unicast");
	expect_drops(h, {{DropReason::ttl_expired, 1}});
}

TEST(GoldenIpv6, PartialSumsAndIpv4OptionsOnTheGeneralPath)
{
	// Local senders with checksum offload leave the pseudo-header sum in
	// the field; the relay finishes it for outputs of either family. IPv4
	// options are not carried onto IPv6.
	FrameBuilder6 partial6 = flow6(0, 300);
	partial6.udp_checksum_mode = FrameBuilder6::UdpChecksum::partial;
	UdpFrame partial4 = flow_frame(1, 1, 300);
	partial4.partial_udp_checksum = true;
	UdpFrame options4 = flow_frame(1, 2, 100);
	options4.ip_options = {0x94, 0x04, 0x00, 0x00}; // router alert
	RelayHarness h({ingress6({partial6.build(), build_frame(partial4), build_frame(options4)}),
			egress6("out0"), egress6("out1")},
		       EngineParams{});
	add_rule(h, make_rule6("six", group6_1, 5000,
		{{.port = "out0", .dst = config::Prefix::host(out_group_a)}, {.port = "out1"}}));
	add_rule(h, make_rule("four", group_1, 5000, {{.port = "out1", .dst = host6(out_group6)}}));
	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), 3u);
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	expect_frames4(h.sent_on("out0"),
		       {relayed6to4(partial6, {group_mac(out_group_a), out0_mac, out0_ip, out_group_a})}, "out0");
	// IPv4 first: a burst's IPv6 datagrams are looked up after its IPv4 ones.
	expect_frames6(h.sent_on("out1"),
		       {relayed4to6(partial4, {group_mac6(out_group6), out1_mac, out1_ip6, out_group6}),
			relayed4to6(options4, {group_mac6(out_group6), out1_mac, out1_ip6, out_group6}),
			relayed6(partial6, {group_mac6(group6_1), out1_mac, out1_ip6})},
		       "out1");
	expect_drops(h, {});
}

TEST(GoldenIpv6, WithoutHeadroomForTheLargerHeaderTheLastOutputIsACopy)
{
	// An IPv4 datagram at the very start of its buffer: the tagged IPv6
	// header (66 bytes) does not fit in front of its payload (42 bytes in).
	const UdpFrame f = flow_frame(1, 0, 200);
	RelayHarness h({ingress({}), egress6("out0")}, EngineParams{});
	add_rule(h, make_rule("four-to-six", group_1, 5000,
		{{.port = "out0", .dst = host6(out_group6), .dport = 6000, .vlan = 9}}));
	const PoolUse before = h.pool_in_use();
	h.receive("in0", {build_frame(f)}, [](rte_mbuf *m) {
		std::memmove(static_cast<char *>(m->buf_addr), rte_pktmbuf_mtod(m, char *), m->data_len);
		m->data_off = 0;
	});
	// Buffered for TX: a copy from the small class; the received mbuf is
	// already back in its pool.
	EXPECT_EQ(h.pool_in_use(), plus(before, {{"small", 1}}));
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	expect_frames6(h.sent_on("out0"),
		       {relayed4to6(f, {group_mac6(out_group6), out0_mac, out0_ip6, out_group6, 6000, {}, 9})},
		       "out0");
	expect_drops(h, {});
}

TEST(GoldenIpv6, OutputsLargerThanTheMtuAreTooBigNeverFragmented)
{
	// 1,300 bytes of payload: 1,348 as IPv6, 1,328 as IPv4, over out0's
	// 1,280. IPv6 inputs and outputs are never fragmented; an IPv4 output
	// of an IPv6 input carries DF.
	std::vector<FrameBuilder6> sent6 = {flow6(0, 1300), flow6(1, 100)};
	RelayHarness h({ingress6(built6(sent6)), egress6("out0", 1280), egress6("out1")}, EngineParams{});
	const config::Rule rule = make_rule6("big6", group6_1, 5000,
		{{.port = "out0", .dst = host6(out_group6)},
		 {.port = "out0", .dst = config::Prefix::host(out_group_a)},
		 {.port = "out1", .dst = host6(out_group6)}});
	add_rule(h, rule);
	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent6.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	const std::vector<Bytes> out0 = h.sent_on("out0");
	ASSERT_EQ(out0.size(), 2u) << "only the small datagram fits out0";
	expect_frame6(out0[0], relayed6(sent6[1], {group_mac6(out_group6), out0_mac, out0_ip6, out_group6}));
	expect_frame(out0[1], relayed6to4(sent6[1], {group_mac(out_group_a), out0_mac, out0_ip, out_group_a}));
	expect_frames6(h.sent_on("out1"),
		       {relayed6(sent6[0], {group_mac6(out_group6), out1_mac, out1_ip6, out_group6}),
			relayed6(sent6[1], {group_mac6(out_group6), out1_mac, out1_ip6, out_group6})},
		       "out1: MTU 1500");
	expect_drops(h, {{DropReason::too_big, 2}});
	expect_port_drops(h, "out0", {{DropReason::too_big, 2}});
	const CompiledRule &r = published(h, rule);
	expect_output_drops(r.output_counters(0, 0), {{DropReason::too_big, 1}});
	expect_output_drops(r.output_counters(0, 1), {{DropReason::too_big, 1}});
}

TEST(GoldenIpv6, AnIpv4ToIpv6OutputLargerThanTheMtuIsTooBigEvenWithDfClear)
{
	UdpFrame big = flow_frame(1, 0, 1300);
	big.flags_fragment = 0; // DF clear: IPv4 could be fragmented, IPv6 is not
	RelayHarness h({ingress({big}), egress6("out0", 1280)}, EngineParams{});
	add_rule(h, make_rule("four-to-six", group_1, 5000, {{.port = "out0", .dst = host6(out_group6)}}));
	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), 1u);
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	EXPECT_TRUE(h.sent_on("out0").empty());
	expect_drops(h, {{DropReason::too_big, 1}});
}

TEST(GoldenIpv6, ExtensionHeadersAreSkippedAndNotCarried)
{
	std::vector<FrameBuilder6> sent;
	FrameBuilder6 hbh = flow6(0, 200);
	hbh.ext = {{fb::next_hop_by_hop, 0}};
	FrameBuilder6 all = flow6(1, 60);
	all.ext = {{fb::next_hop_by_hop, 1}, {fb::next_dest_options, 0}, {fb::next_routing, 1, 0},
		   {fb::next_dest_options, 2}};
	FrameBuilder6 padded = flow6(2, 8); // short: Ethernet padding after the datagram
	padded.ext = {{fb::next_dest_options, 0}};
	padded.padding = 6;
	sent = {hbh, all, padded};
	RelayHarness h({ingress6(built6(sent)), egress6("out0"), egress6("out1")}, EngineParams{});
	add_rule(h, make_rule6("ext", group6_1, 5000,
		{{.port = "out1", .dst = config::Prefix::host(out_group_a), .dport = 6001},
		 {.port = "out0", .dport = 6000}}));
	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	std::vector<FrameBuilder6> want0;
	std::vector<UdpFrame> want1;
	for (const FrameBuilder6 &f : sent) {
		want0.push_back(relayed6(f, {group_mac6(group6_1), out0_mac, out0_ip6, {}, 6000}));
		want1.push_back(relayed6to4(f, {group_mac(out_group_a), out1_mac, out1_ip, out_group_a, 6001}));
	}
	expect_frames6(h.sent_on("out0"), want0, "out0: IPv6, headers gone");
	expect_frames4(h.sent_on("out1"), want1, "out1: IPv4");
	expect_drops(h, {});
}

// One malformed variant of the flow and the reason it must be dropped for.
struct Malformed {
	std::string what;
	Bytes frame;
	DropReason reason;
};

Bytes cut_at(Bytes b, size_t len)
{
	b.resize(len);
	return b;
}

std::vector<Malformed> malformed_ipv6()
{
	std::vector<Malformed> m;
	const FrameBuilder6 plain = flow6(100, 40);
	FrameBuilder6 with_ext = flow6(101, 40);
	with_ext.ext = {{fb::next_hop_by_hop, 1}, {fb::next_dest_options, 0}};
	const Bytes ext_bytes = with_ext.build();
	const size_t l3 = 14, l4 = with_ext.l4_offset();
	// Every header cut short.
	for (size_t len : {l3 + 1, l3 + 39})
		m.push_back({"IPv6 header cut at " + std::to_string(len), cut_at(plain.build(), len),
			     DropReason::truncated});
	for (size_t len : {l3 + 40, l3 + 41, l3 + 47, l3 + 55, l3 + 56 + 7})
		m.push_back({"extension header cut at " + std::to_string(len), cut_at(ext_bytes, len),
			     DropReason::truncated});
	for (size_t len : {l4, l4 + 7})
		m.push_back({"UDP header cut at " + std::to_string(len), cut_at(ext_bytes, len),
			     DropReason::truncated});
	FrameBuilder6 f = flow6(102, 40);
	f.payload_length = static_cast<uint16_t>(8 + 40 + 1);
	m.push_back({"payload length past the frame", f.build(), DropReason::bad_length});
	f = flow6(103, 40);
	f.payload_length = 4;
	m.push_back({"payload length inside the UDP header", f.build(), DropReason::bad_length});
	f = flow6(103, 40);
	f.ext = {{fb::next_hop_by_hop, 0}};
	f.payload_length = 0; // a jumbogram's, which no Ethernet link mcr serves carries
	m.push_back({"payload length 0 (jumbogram)", f.build(), DropReason::bad_length});
	f = flow6(104, 40);
	f.ext = {{fb::next_dest_options, 2}};
	f.payload_length = 16; // ends inside the extension header
	m.push_back({"payload length inside an extension header", f.build(), DropReason::bad_length});
	f = flow6(105, 40);
	f.udp_length = 7;
	m.push_back({"UDP length below 8", f.build(), DropReason::bad_length});
	f = flow6(106, 40);
	f.udp_length = 8 + 41;
	m.push_back({"UDP length past the payload", f.build(), DropReason::bad_length});
	f = flow6(107, 40);
	f.ext.assign(9, ExtHeader{fb::next_dest_options, 0});
	m.push_back({"nine extension headers", f.build(), DropReason::ext_chain_too_long});
	f = flow6(108, 40);
	f.ext = {{fb::next_dest_options, 0}, {fb::next_hop_by_hop, 0}};
	m.push_back({"hop-by-hop not first", f.build(), DropReason::bad_ext_header});
	f = flow6(109, 40);
	f.ext = {{fb::next_routing, 1, 1}};
	m.push_back({"routing header with a segment left", f.build(), DropReason::bad_ext_header});
	f = flow6(110, 40);
	f.udp_checksum = 0;
	m.push_back({"zero UDP checksum", f.build(), DropReason::zero_udp_checksum});
	for (uint8_t upper : {fb::next_tcp, fb::next_icmpv6, fb::next_none, fb::next_esp}) {
		f = flow6(111, 40);
		f.upper = upper;
		m.push_back({"next header " + std::to_string(upper), f.build(), DropReason::not_udp});
	}
	f = flow6(112, 40);
	f.ext = {{fb::next_dest_options, 0}};
	f.upper = fb::next_tcp;
	m.push_back({"TCP behind an extension header", f.build(), DropReason::not_udp});
	f = flow6(113, 40);
	f.version = 4;
	m.push_back({"version 4 in an IPv6 ethertype", f.build(), DropReason::bad_version});
	return m;
}

TEST(GoldenIpv6, MalformedIpv6IsCountedByReasonAndNothingOfItForwarded)
{
	const std::vector<Malformed> bad = malformed_ipv6();
	std::vector<Bytes> wire;
	std::map<DropReason, uint64_t> want_drops;
	std::vector<FrameBuilder6> good;
	for (size_t i = 0; i < bad.size(); i++) {
		wire.push_back(bad[i].frame);
		want_drops[bad[i].reason]++;
		good.push_back(flow6(static_cast<uint32_t>(i), 64)); // valid traffic between them
		wire.push_back(good.back().build());
	}
	{
		RelayHarness h({ingress6(wire), egress6("out0")}, EngineParams{});
		add_rule(h, make_rule6("six", group6_1, 5000, {{.port = "out0", .dport = 6000}}));
		const PoolUse before = h.pool_in_use();
		EXPECT_EQ(h.poll_until_idle(), wire.size());
		h.flush();
		EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
		std::vector<FrameBuilder6> want;
		for (const FrameBuilder6 &f : good)
			want.push_back(relayed6(f, {group_mac6(group6_1), out0_mac, out0_ip6, {}, 6000}));
		expect_frames6(h.sent_on("out0"), want, "out0: only the valid datagrams");
		expect_drops(h, want_drops);
		expect_port_drops(h, "in0", want_drops);
	}
	// One at a time too, so that a reason counted for the wrong frame
	// shows (one engine at a time: the first harness is gone).
	for (const Malformed &m : bad) {
		SCOPED_TRACE(m.what);
		RelayHarness one({ingress6({m.frame}), egress6("out0")}, EngineParams{});
		add_rule(one, make_rule6("six", group6_1, 5000, {{.port = "out0", .dport = 6000}}));
		EXPECT_EQ(one.poll_until_idle(), 1u);
		one.flush();
		EXPECT_TRUE(one.sent_on("out0").empty());
		expect_drops(one, {{m.reason, 1}});
	}
}

// The IPv6 datagram of f cut into fragments of `data` bytes (a multiple of
// 8) of what follows the IPv6 header, each behind a fragment header right
// after the IPv6 header, or behind a destination options header too.
std::vector<Bytes> cut6(const FrameBuilder6 &f, size_t data, uint32_t id, bool behind_dest_options = false)
{
	const Bytes whole = f.build();
	const size_t l3 = 14;
	const Bytes rest(whole.begin() + l3 + 40, whole.end());
	std::vector<Bytes> out;
	for (size_t off = 0; off < rest.size(); off += data) {
		const size_t n = std::min(data, rest.size() - off);
		Bytes b(whole.begin(), whole.begin() + l3 + 40);
		if (behind_dest_options) {
			b[l3 + 6] = fb::next_dest_options;
			b.insert(b.end(), {fb::next_fragment, 0, 1, 4, 0, 0, 0, 0}); // PadN
		} else {
			b[l3 + 6] = fb::next_fragment;
		}
		const auto offset_flags = static_cast<uint16_t>(off | (off + n < rest.size() ? 1 : 0));
		b.insert(b.end(), {fb::next_udp, 0, static_cast<uint8_t>(offset_flags >> 8),
				   static_cast<uint8_t>(offset_flags), static_cast<uint8_t>(id >> 24),
				   static_cast<uint8_t>(id >> 16), static_cast<uint8_t>(id >> 8),
				   static_cast<uint8_t>(id)});
		b.insert(b.end(), rest.begin() + static_cast<long>(off), rest.begin() + static_cast<long>(off + n));
		const auto payload = static_cast<uint16_t>(b.size() - l3 - 40);
		b[l3 + 4] = static_cast<uint8_t>(payload >> 8);
		b[l3 + 5] = static_cast<uint8_t>(payload);
		out.push_back(b);
	}
	return out;
}

TEST(GoldenIpv6, FragmentsAreReassembledAndRelayedWhole)
{
	const FrameBuilder6 a = flow6(0, 1200), b = flow6(1, 700), c = flow6(2, 900);
	auto fa = cut6(a, 512, 0x1001), fb_ = cut6(b, 256, 0x1002), fc = cut6(c, 512, 0x1003, true);
	std::vector<Bytes> wire = {fa[2], fa[0], fb_[0], fa[1], fb_[2], fb_[1]};
	wire.insert(wire.end(), fc.begin(), fc.end()); // behind another header: dropped
	const FrameBuilder6 small = flow6(3, 20);
	wire.push_back(small.build());
	RelayHarness h({ingress6(wire), egress6("out0"), egress("out1")}, EngineParams{});
	std::string error;
	ASSERT_EQ(h.worker().fragments.create(ReassemblyParams{}, SOCKET_ID_ANY, &error), 0) << error;
	add_rule(h, make_rule6("frag6", group6_1, 5000,
		{{.port = "out1", .dst = config::Prefix::host(out_group_a), .dport = 6001},
		 {.port = "out0", .dport = 6000}}));
	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), wire.size());
	h.flush();
	worker_expire_fragments(h.worker(), rte_rdtsc() + 2 * rte_get_tsc_hz());
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	EXPECT_EQ(h.worker().counters.reassembled.get(), 2u);
	std::vector<FrameBuilder6> want0;
	std::vector<UdpFrame> want1;
	for (const FrameBuilder6 *f : {&a, &b, &small}) {
		want0.push_back(relayed6(*f, {group_mac6(group6_1), out0_mac, out0_ip6, {}, 6000}));
		want1.push_back(relayed6to4(*f, {group_mac(out_group_a), out1_mac, out1_ip, out_group_a, 6001}));
	}
	expect_frames6(h.sent_on("out0"), want0, "out0");
	expect_frames4(h.sent_on("out1"), want1, "out1");
	expect_drops(h, {{DropReason::fragment, fc.size()}});
}

TEST(GoldenIpv6, WithoutATableIpv6FragmentsAreDropped)
{
	auto frags = cut6(flow6(0, 1200), 512, 7);
	RelayHarness h({ingress6(frags), egress6("out0")}, EngineParams{});
	add_rule(h, make_rule6("frag6", group6_1, 5000, {{.port = "out0"}}));
	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), frags.size());
	EXPECT_EQ(h.pool_in_use(), before);
	EXPECT_TRUE(h.sent_on("out0").empty());
	expect_drops(h, {{DropReason::fragment, frags.size()}});
}

TEST(GoldenIpv6, VerifyDropsWrongIpv6ChecksumsAndRelaysTheRest)
{
	std::vector<FrameBuilder6> sent;
	for (uint32_t seq = 0; seq < 4; seq++)
		sent.push_back(flow6(seq, 100));
	std::vector<Bytes> wire = built6(sent);
	// A payload byte changed after the sum: the checksum no longer verifies.
	wire[1][wire[1].size() - 1] ^= 0x40;
	wire[2][14 + 8 + 15] ^= 0x01; // the source address: in the pseudo-header
	PortPlan in = ingress6(wire);
	in.verify_udp_checksum = true;
	RelayHarness h({in, egress6("out0")}, EngineParams{});
	add_rule(h, make_rule6("six", group6_1, 5000, {{.port = "out0", .dport = 6000}}));
	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), wire.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	expect_frames6(h.sent_on("out0"),
		       {relayed6(sent[0], {group_mac6(group6_1), out0_mac, out0_ip6, {}, 6000}),
			relayed6(sent[3], {group_mac6(group6_1), out0_mac, out0_ip6, {}, 6000})},
		       "out0: the two that verify");
	expect_drops(h, {{DropReason::bad_udp_checksum, 2}});
}

TEST(GoldenIpv6, AKeepPortCarriesAWrongIpv6ChecksumSoTheReceiverSeesIt)
{
	FrameBuilder6 f = flow6(0, 100);
	Bytes wire = f.build();
	wire[wire.size() - 1] ^= 0x40;
	RelayHarness h({ingress6({wire}), egress6("out0")}, EngineParams{});
	add_rule(h, make_rule6("six", group6_1, 5000, {{.port = "out0", .dst = host6(out_group6)}}));
	EXPECT_EQ(h.poll_until_idle(), 1u);
	h.flush();
	const std::vector<Bytes> out = h.sent_on("out0");
	ASSERT_EQ(out.size(), 1u);
	std::string why;
	const std::optional<Decoded6> d = decode6(out[0], &why);
	ASSERT_TRUE(d) << why;
	EXPECT_EQ(d->dst, out_group6);
	// What a correct relay of the datagram as sent carries: the update
	// is incremental, so the error travels on.
	const Bytes right = relayed6(f, {group_mac6(out_group6), out0_mac, out0_ip6, out_group6}).build();
	EXPECT_NE(d->udp_checksum, d->udp_checksum_recomputed);
	EXPECT_EQ(d->udp_checksum, read16(&right[14 + 40 + 6]));
	expect_drops(h, {});
}

TEST(GoldenIpv6, LinkLocalAndUnknownGroupsWithoutARuleAreNoRule)
{
	FrameBuilder6 link_local = frame6(sender_mac, source6, ip6({0xff02, 0, 0, 0, 0, 0, 0, 0xfb}), 5000, 1, 0, 40);
	FrameBuilder6 other_port = flow6(1, 40);
	other_port.dst_port = 5001;
	FrameBuilder6 other_group = frame6(sender_mac, source6, ip6({0xff3e, 0, 0, 0, 0, 0, 1, 2}), 5000, 1, 2, 40);
	FrameBuilder6 tagged = flow6(3, 40);
	tagged.tags.push_back({0x8100, 7});
	FrameBuilder6 wrong_mac = flow6(4, 40);
	wrong_mac.dst_mac[5] ^= 1;
	const std::vector<Bytes> wire = built6({link_local, other_port, other_group, tagged, wrong_mac});
	RelayHarness h({ingress6(wire), egress6("out0")}, EngineParams{});
	add_rule(h, make_rule6("six", group6_1, 5000, {{.port = "out0"}}));
	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), wire.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before);
	EXPECT_TRUE(h.sent_on("out0").empty());
	expect_drops(h, {{DropReason::no_rule, 4}, {DropReason::mac_mismatch, 1}});
}


TEST(GoldenIpv6, SourceSpecificBeatsAnySourceAndRulesChangeAtRunTime)
{
	const Ipv6Bytes other_source = ip6({0x2001, 2, 0, 7, 0, 0, 0, 0x0b});
	RelayHarness h({ingress6({}), egress6("out0"), egress6("out1")}, EngineParams{});
	const PoolUse before = h.pool_in_use();
	const config::Rule any = make_rule6("any", group6_1, 5000, {{.port = "out0", .dport = 6000}});
	config::Rule sg = make_rule6("sg", group6_1, 5000, {{.port = "out0", .dport = 6001}});
	sg.match.src = host6(source6);
	add_rule(h, any);
	add_rule(h, sg);
	const FrameBuilder6 from_s = flow6(0, 40);
	FrameBuilder6 from_other = flow6(1, 40);
	from_other.src = other_source;
	h.receive("in0", built6({from_s, from_other}));
	h.flush();
	// (S,G) replaced: its datagrams move to out1; then removed: they fall
	// back to (*,G); then (*,G) removed too: no rule.
	config::Rule sg_moved = sg;
	sg_moved.outputs = {{.port = "out1", .dport = 6002}};
	add_rule(h, sg_moved);
	const FrameBuilder6 s2 = flow6(2, 40), s3 = flow6(3, 40), s4 = flow6(4, 40);
	h.receive("in0", built6({s2}));
	h.flush();
	ASSERT_EQ(remove_rule(h.engine(), sg_moved), 0);
	h.receive("in0", built6({s3}));
	h.flush();
	ASSERT_EQ(remove_rule(h.engine(), any), 0);
	h.receive("in0", built6({s4}));
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	expect_frames6(h.sent_on("out0"),
		       {relayed6(from_s, {group_mac6(group6_1), out0_mac, out0_ip6, {}, 6001}),
			relayed6(from_other, {group_mac6(group6_1), out0_mac, out0_ip6, {}, 6000}),
			relayed6(s3, {group_mac6(group6_1), out0_mac, out0_ip6, {}, 6000})},
		       "out0");
	expect_frames6(h.sent_on("out1"), {relayed6(s2, {group_mac6(group6_1), out1_mac, out1_ip6, {}, 6002})},
		       "out1");
	expect_drops(h, {{DropReason::no_rule, 1}});
}

TEST(GoldenIpv6, AUnicastInputToThePortsMacAndAStrippedTagAreMatched)
{
	// A unicast datagram to in0's own address, in a frame to in0's MAC;
	// the same to another MAC is not for us.
	FrameBuilder6 unicast = frame6(sender_mac, source6, in0_ip6, 5000, 1, 0, 100);
	std::copy(in0_mac.begin(), in0_mac.end(), unicast.dst_mac);
	FrameBuilder6 not_ours = unicast;
	not_ours.dst_mac[5] ^= 1;
	// A tagged group datagram whose tag the PMD moved into the mbuf.
	const FrameBuilder6 stripped = flow6(2, 100);
	RelayHarness h({ingress6({}), egress6("out0")}, EngineParams{});
	add_rule(h, make_rule6("unicast", in0_ip6, 5000, {{.port = "out0", .dst = host6(out_group6), .dport = 6000}}));
	config::Rule tagged = make_rule6("tagged", group6_1, 5000, {{.port = "out0", .dport = 6001}});
	tagged.match.vlan = 10;
	add_rule(h, tagged);
	const PoolUse before = h.pool_in_use();
	h.receive("in0", built6({unicast, not_ours}));
	h.receive("in0", built6({stripped}), [](rte_mbuf *m) {
		m->ol_flags |= RTE_MBUF_F_RX_VLAN_STRIPPED;
		m->vlan_tci = 10;
	});
	h.receive("in0", built6({stripped})); // untagged: not the rule's
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	expect_frames6(h.sent_on("out0"),
		       {relayed6(unicast, {group_mac6(out_group6), out0_mac, out0_ip6, out_group6, 6000}),
			relayed6(stripped, {group_mac6(group6_1), out0_mac, out0_ip6, {}, 6001})},
		       "out0");
	expect_drops(h, {{DropReason::mac_mismatch, 1}, {DropReason::no_rule, 1}});
}


TEST(GoldenIpv6, AMergedIpv6RuleOverTwoWorkersRelaysEachNumberOnce)
{
	// Two copies of one stream on two IPv6 groups, received by different
	// workers: the stream's owner takes the other's through its hand-off
	// ring (parsed and looked up again there).
	const Ipv6Bytes group6_2 = ip6({0xff3e, 0, 0, 0, 0, 0, 1, 2});
	config::Rule rule = make_rule6("merged6", group6_1, 5000,
		{{.port = "out0", .dst = host6(out_group6), .dport = 6000}});
	config::Match b = rule.match;
	b.dst = host6(group6_2);
	rule.more_inputs.push_back(b);
	rule.merge = config::Sequence{packet::SequenceField{4, 4, true}, 16, {}};
	RelayHarness h({ingress6({}), egress6("out0")}, EngineParams{}, default_classes(), 2);
	// The harness's ports have one TX queue: the owner must be worker 0,
	// which the rule's name decides.
	for (int i = 0;; i++) {
		ASSERT_LT(i, 64) << "no name gave worker 0 the stream";
		rule.name = "merged6-" + std::to_string(i);
		add_rule(h, rule);
		if (published(h, rule).stream_owner() == 0)
			break;
		ASSERT_EQ(remove_rule(h.engine(), rule), 0);
	}
	std::vector<FrameBuilder6> a, bb;
	for (uint32_t n = 0; n < 10; n++)
		a.push_back(flow6(n, 100));
	for (uint32_t n = 5; n < 15; n++) {
		FrameBuilder6 f = flow6(n, 100);
		f.dst = group6_2;
		const MacBytes mac = group_mac6(group6_2);
		std::copy(mac.begin(), mac.end(), f.dst_mac);
		bb.push_back(f);
	}
	const PoolUse before = h.pool_in_use();
	h.receive("in0", built6(a), {}, 0);
	h.receive("in0", built6(bb), {}, 1);
	h.poll_until_idle(); // the owner drains its hand-off ring
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	const std::vector<Bytes> out = h.sent_on("out0");
	ASSERT_EQ(out.size(), 15u);
	std::map<uint32_t, const Bytes *> by_seq;
	for (const Bytes &f : out) {
		std::string why;
		const std::optional<Decoded6> d = decode6(f, &why);
		ASSERT_TRUE(d) << why;
		EXPECT_TRUE(by_seq.emplace(payload_seq(d->payload), &f).second) << "a number relayed twice";
	}
	for (uint32_t n = 0; n < 15; n++) {
		SCOPED_TRACE("seq " + std::to_string(n));
		ASSERT_TRUE(by_seq.count(n));
		const FrameBuilder6 &sent = n < 10 ? a[n] : bb[n - 5];
		// Whichever copy came first: they differ only in the group.
		FrameBuilder6 want = relayed6(sent, {group_mac6(out_group6), out0_mac, out0_ip6, out_group6, 6000});
		expect_frame6(*by_seq[n], want);
	}
	expect_drops(h, {{DropReason::duplicate, 5}});
}

} // namespace
} // namespace mcr::engine::test
