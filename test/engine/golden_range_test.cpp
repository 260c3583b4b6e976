// Golden pcaps for range rules: a group prefix, a source prefix, a port
// range or any port, matched when no exact rule does. Destinations kept
// (the Ethernet destination derived per group) or mapped into another
// prefix of either family; precedence among overlapping rules; rules
// removed and replaced at run time; and a general IPv4 output fragmented
// where it does not fit its MTU. Frames are the test's own (frame_builder.h,
// relay_expect6.h); pools and drop counters are checked in every case.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine_setup.h"
#include "golden_common.h"
#include "relay_expect6.h"

namespace mcr::engine::test {
namespace {

const Ipv6Bytes out0_ip6 = ip6({0x2001, 2, 0, 2, 0, 0, 0, 1});
const Ipv6Bytes out1_ip6 = ip6({0x2001, 2, 0, 3, 0, 0, 0, 1});
const Ipv6Bytes source6 = ip6({0x2001, 2, 0, 0, 0, 0, 0, 0x0a});
const Ipv6Bytes other_source6 = ip6({0x2001, 2, 0, 7, 0, 0, 0, 0x0a});

PortPlan egress6(const std::string &name, uint16_t mtu = 1500)
{
	PortPlan p = egress(name);
	p.ipv6 = name == "out0" ? out0_ip6 : out1_ip6;
	p.mtu = mtu;
	return p;
}

config::Prefix prefix4(uint32_t address, uint8_t length)
{
	return {config::Ipv4{address}, length};
}

config::Prefix prefix6(const Ipv6Bytes &address, uint8_t length)
{
	return {config::Ipv6{address}, length};
}

config::Rule range_rule(const std::string &name, const config::Prefix &dst, config::PortRange dport,
			std::vector<config::Output> outputs, std::optional<config::Prefix> src = {},
			uint16_t vlan = 0)
{
	config::Rule r;
	r.name = name;
	r.match.port = "in0";
	r.match.dst = dst;
	r.match.src = src;
	r.match.dport = dport;
	r.match.vlan = vlan;
	r.outputs = std::move(outputs);
	return r;
}

// A datagram of flow `flow` to group:dport from source.
UdpFrame to_group(uint32_t group, uint16_t dport, uint32_t flow, uint32_t seq, size_t len = 64,
		  uint32_t source = source_1)
{
	UdpFrame f = flow_frame(flow, seq, len);
	f.dst_ip = group;
	f.dst_mac = group_mac(group);
	f.dst_port = dport;
	f.src_ip = source;
	return f;
}

TEST(GoldenRange, Ipv4PrefixKeepsEachDestinationAndItsMac)
{
	// 50 groups of 239.1.0.0/16, far apart in the prefix.
	std::vector<UdpFrame> sent;
	for (uint32_t i = 0; i < 50; i++)
		sent.push_back(to_group(ipv4(239, 1, static_cast<uint8_t>(i * 5), static_cast<uint8_t>(255 - i)),
					5000, i, i, 40 + i * 20));
	// Neither: outside the prefix, another port, a tag the rule lacks.
	std::vector<UdpFrame> strangers = {to_group(ipv4(239, 2, 0, 1), 5000, 90, 0),
					   to_group(ipv4(239, 1, 0, 1), 5001, 91, 0),
					   to_group(ipv4(239, 1, 0, 1), 5000, 92, 0)};
	strangers[2].vlan = 7;
	std::vector<UdpFrame> wire = sent;
	wire.insert(wire.end(), strangers.begin(), strangers.end());
	RelayHarness h({ingress(wire), egress("out0"), egress("out1")}, EngineParams{});
	const config::Rule rule = range_rule("range", prefix4(ipv4(239, 1, 0, 0), 16),
		config::PortRange::single(5000),
		{{.port = "out0", .dport = 6000, .dscp = 8}, {.port = "out1", .ttl = 16, .vlan = 30}});
	add_rule(h, rule);

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), wire.size());
	// Received on another port: the ingress port is part of the match.
	h.receive("out0", built({to_group(ipv4(239, 1, 0, 1), 5000, 93, 0)}));
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want0, want1;
	for (const UdpFrame &f : sent) {
		want0.push_back(relayed(f, {group_mac(f.dst_ip), out0_mac, out0_ip, {}, 6000, {}, {}, 8}));
		want1.push_back(relayed(f, {group_mac(f.dst_ip), out1_mac, out1_ip, {}, {}, 16, 30}));
	}
	expect_frames4(h.sent_on("out0"), want0, "out0");
	expect_frames4(h.sent_on("out1"), want1, "out1");
	expect_drops(h, {{DropReason::no_rule, 4}});
	expect_port_drops(h, "in0", {{DropReason::no_rule, 3}});
	expect_port_drops(h, "out0", {{DropReason::no_rule, 1}});
	const CompiledRule *r = h.engine().rules().find(Engine::key_of(rule.match, h.port_index("in0")));
	ASSERT_NE(r, nullptr);
	EXPECT_EQ(r->counters(0).packets.get(), sent.size());
}

TEST(GoldenRange, MappedIntoAnotherPrefixOfEitherFamily)
{
	std::vector<UdpFrame> sent4;
	for (uint32_t i = 0; i < 6; i++)
		sent4.push_back(to_group(ipv4(239, 1, static_cast<uint8_t>(i * 40), static_cast<uint8_t>(i * 7 + 1)),
					 5000, i, i, 100));
	// ff3e::1:0/112 kept, and mapped onto 239.3.0.0/16.
	std::vector<FrameBuilder6> sent6;
	for (uint32_t i = 0; i < 4; i++)
		sent6.push_back(frame6(sender_mac, source6,
				       ip6({0xff3e, 0, 0, 0, 0, 0, 1, static_cast<uint16_t>(0x0102 * i + 3)}), 5000,
				       10 + i, i, 80));
	std::vector<Bytes> wire = built(sent4);
	for (const FrameBuilder6 &f : sent6)
		wire.push_back(f.build());
	RelayHarness h({ingress_bytes(wire), egress6("out0"), egress6("out1")}, EngineParams{});
	add_rule(h, range_rule("map4", prefix4(ipv4(239, 1, 0, 0), 16), config::PortRange::single(5000),
		{{.port = "out0", .dst = prefix4(ipv4(239, 2, 0, 0), 16), .dport = 6000},
		 {.port = "out1", .dst = prefix6(ip6({0xff3e, 0, 0, 0, 0, 0, 2, 0}), 112), .dport = 6001}}));
	add_rule(h, range_rule("map6", prefix6(ip6({0xff3e, 0, 0, 0, 0, 0, 1, 0}), 112),
		config::PortRange::single(5000),
		{{.port = "out0", .dport = 6002},
		 {.port = "out1", .dst = prefix4(ipv4(239, 3, 0, 0), 16), .dport = 6003}}));

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), wire.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	// out0 carries IPv4 (map4) then IPv6 (map6); out1 IPv6 then IPv4: the
	// IPv6 packets of a burst are looked up after its IPv4 ones.
	const std::vector<Bytes> out0 = h.sent_on("out0"), out1 = h.sent_on("out1");
	ASSERT_EQ(out0.size(), sent4.size() + sent6.size());
	ASSERT_EQ(out1.size(), sent4.size() + sent6.size());
	for (size_t i = 0; i < sent4.size(); i++) {
		SCOPED_TRACE("IPv4 datagram " + std::to_string(i));
		const UdpFrame &f = sent4[i];
		const uint32_t mapped = ipv4(239, 2, 0, 0) | (f.dst_ip & 0xffff);
		expect_frame(out0[i], relayed(f, {group_mac(mapped), out0_mac, out0_ip, mapped, 6000}));
		Ipv6Bytes g6 = ip6({0xff3e, 0, 0, 0, 0, 0, 2, static_cast<uint16_t>(f.dst_ip & 0xffff)});
		expect_frame6(out1[i], relayed4to6(f, {group_mac6(g6), out1_mac, out1_ip6, g6, 6001}));
	}
	for (size_t i = 0; i < sent6.size(); i++) {
		SCOPED_TRACE("IPv6 datagram " + std::to_string(i));
		const FrameBuilder6 &f = sent6[i];
		expect_frame6(out0[sent4.size() + i],
			      relayed6(f, {group_mac6(f.dst), out0_mac, out0_ip6, {}, 6002}));
		const uint32_t mapped = ipv4(239, 3, f.dst[14], f.dst[15]);
		expect_frame(out1[sent4.size() + i],
			     relayed6to4(f, {group_mac(mapped), out1_mac, out1_ip, mapped, 6003}));
	}
	expect_drops(h, {});
}

// Which rule took a datagram: each rule of the precedence tests sends to
// its own UDP port.
struct Verdict {
	UdpFrame frame;
	uint16_t out_port; // 0: no rule
};

std::vector<UdpFrame> expected_of(const std::vector<Verdict> &verdicts)
{
	std::vector<UdpFrame> want;
	for (const Verdict &v : verdicts)
		if (v.out_port != 0)
			want.push_back(relayed(v.frame, {group_mac(v.frame.dst_ip), out0_mac, out0_ip, {}, v.out_port}));
	return want;
}

std::vector<Bytes> frames_of(const std::vector<Verdict> &verdicts)
{
	std::vector<Bytes> b;
	for (const Verdict &v : verdicts)
		b.push_back(build_frame(v.frame));
	return b;
}

config::Output to_port(uint16_t dport)
{
	return {.port = "out0", .dport = dport};
}

TEST(GoldenRange, PrecedenceExactThenLongerPrefixThenSourceThenNarrowerPorts)
{
	const config::Prefix slash16 = prefix4(ipv4(239, 1, 0, 0), 16);
	const config::Prefix slash24 = prefix4(ipv4(239, 1, 2, 0), 24);
	const config::Prefix sources = prefix4(ipv4(198, 18, 0, 0), 24);
	const uint32_t other_source = ipv4(198, 18, 5, 1);
	const uint32_t g_exact = ipv4(239, 1, 1, 1), g_24 = ipv4(239, 1, 2, 5), g_16 = ipv4(239, 1, 3, 5);
	RelayHarness h({ingress({}), egress("out0")}, EngineParams{});
	const PoolUse before = h.pool_in_use();
	add_rule(h, make_rule("exact", g_exact, 5000, {to_port(6001)}));
	const config::Rule star16 = range_rule("star16", slash16, config::PortRange::single(5000), {to_port(6002)});
	add_rule(h, star16);
	const config::Rule star24 = range_rule("star24", slash24, config::PortRange::single(5000), {to_port(6003)});
	add_rule(h, star24);
	add_rule(h, range_rule("sg16", slash16, config::PortRange::single(5000), {to_port(6004)}, sources));
	add_rule(h, range_rule("ports16", slash16, {5000, 5099}, {to_port(6005)}));
	add_rule(h, range_rule("any16", slash16, config::PortRange::any(), {to_port(6006)}));

	const std::vector<Verdict> first = {
		{to_group(g_exact, 5000, 1, 0), 6001},               // exact beats every range
		{to_group(g_24, 5000, 2, 0), 6003},                  // /24 beats the (S,G) /16
		{to_group(g_16, 5000, 3, 0), 6004},                  // (S,G) beats (*,G)
		{to_group(g_16, 5000, 4, 0, 64, other_source), 6002}, // a source outside: (*,G)
		{to_group(g_16, 5050, 5, 0, 64, other_source), 6005}, // 5000-5099 beats any
		{to_group(g_24, 5050, 6, 0), 6005},                  // the /24 has no 5050
		{to_group(g_16, 7000, 7, 0), 6006},                  // only `dport: any`
		{to_group(g_exact, 5001, 8, 0), 6005},               // the exact rule is port 5000's
		{to_group(ipv4(239, 9, 0, 1), 5000, 9, 0), 0},       // outside every prefix
	};
	h.receive("in0", frames_of(first));
	h.flush();

	// /24 removed: its datagrams fall to the (S,G) /16. (*,G) /16 replaced.
	ASSERT_EQ(remove_rule(h.engine(), star24), 0);
	add_rule(h, range_rule("star16", slash16, config::PortRange::single(5000), {to_port(6012)}));
	const std::vector<Verdict> second = {
		{to_group(g_24, 5000, 2, 1), 6004},
		{to_group(g_24, 5000, 10, 1, 64, other_source), 6012},
		{to_group(g_16, 5000, 4, 1, 64, other_source), 6012},
		{to_group(g_exact, 5000, 1, 1), 6001},
	};
	h.receive("in0", frames_of(second));
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want = expected_of(first);
	const std::vector<UdpFrame> want2 = expected_of(second);
	want.insert(want.end(), want2.begin(), want2.end());
	expect_frames4(h.sent_on("out0"), want, "out0: each datagram on its rule's port");
	expect_drops(h, {{DropReason::no_rule, 1}});
}

TEST(GoldenRange, Ipv6PrecedenceAndSourcePrefixes)
{
	const config::Prefix slash112 = prefix6(ip6({0xff3e, 0, 0, 0, 0, 0, 1, 0}), 112);
	const config::Prefix slash120 = prefix6(ip6({0xff3e, 0, 0, 0, 0, 0, 1, 0x200}), 120);
	const config::Prefix sources = prefix6(ip6({0x2001, 2, 0, 0, 0, 0, 0, 0}), 64);
	const Ipv6Bytes g_exact = ip6({0xff3e, 0, 0, 0, 0, 0, 1, 0x101});
	const Ipv6Bytes g_120 = ip6({0xff3e, 0, 0, 0, 0, 0, 1, 0x205});
	const Ipv6Bytes g_112 = ip6({0xff3e, 0, 0, 0, 0, 0, 1, 0x305});
	RelayHarness h({ingress({}), egress6("out0")}, EngineParams{});
	const PoolUse before = h.pool_in_use();
	config::Rule exact;
	exact.name = "exact";
	exact.match.port = "in0";
	exact.match.dst = config::Prefix::host(config::Ipv6{g_exact});
	exact.match.dport = config::PortRange::single(5000);
	exact.outputs = {to_port(6001)};
	add_rule(h, exact);
	add_rule(h, range_rule("star112", slash112, config::PortRange::single(5000), {to_port(6002)}));
	add_rule(h, range_rule("star120", slash120, config::PortRange::single(5000), {to_port(6003)}));
	add_rule(h, range_rule("sg112", slash112, config::PortRange::single(5000), {to_port(6004)}, sources));
	add_rule(h, range_rule("any112", slash112, config::PortRange::any(), {to_port(6006)}));

	struct V6 {
		FrameBuilder6 frame;
		uint16_t out_port;
	};
	const std::vector<V6> cases = {
		{frame6(sender_mac, source6, g_exact, 5000, 1, 0, 40), 6001},
		{frame6(sender_mac, source6, g_120, 5000, 2, 0, 40), 6003},
		{frame6(sender_mac, source6, g_112, 5000, 3, 0, 40), 6004},
		{frame6(sender_mac, other_source6, g_112, 5000, 4, 0, 40), 6002},
		{frame6(sender_mac, other_source6, g_112, 9, 5, 0, 40), 6006},
		{frame6(sender_mac, source6, ip6({0xff3e, 0, 0, 0, 0, 0, 2, 1}), 5000, 6, 0, 40), 0},
	};
	std::vector<Bytes> wire;
	std::vector<FrameBuilder6> want;
	for (const V6 &c : cases) {
		wire.push_back(c.frame.build());
		if (c.out_port != 0)
			want.push_back(relayed6(c.frame, {group_mac6(c.frame.dst), out0_mac, out0_ip6, {}, c.out_port}));
	}
	h.receive("in0", wire);
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	expect_frames6(h.sent_on("out0"), want, "out0: each datagram on its rule's port");
	expect_drops(h, {{DropReason::no_rule, 1}});
}

TEST(GoldenRange, ATaggedRangeMatchesItsVlanOnly)
{
	std::vector<UdpFrame> tagged, untagged;
	for (uint32_t i = 0; i < 4; i++) {
		UdpFrame f = to_group(ipv4(239, 1, 7, static_cast<uint8_t>(i)), 5000, i, i);
		f.vlan = 10;
		tagged.push_back(f);
		untagged.push_back(to_group(ipv4(239, 1, 7, static_cast<uint8_t>(i)), 5000, 10 + i, i));
	}
	std::vector<UdpFrame> wire = tagged;
	wire.insert(wire.end(), untagged.begin(), untagged.end());
	UdpFrame other_vlan = tagged[0];
	other_vlan.vlan = 11;
	wire.push_back(other_vlan);
	RelayHarness h({ingress(wire), egress("out0")}, EngineParams{});
	add_rule(h, range_rule("vlan", prefix4(ipv4(239, 1, 0, 0), 16), config::PortRange::any(),
			       {to_port(6000)}, {}, 10));
	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), wire.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	std::vector<UdpFrame> want;
	for (const UdpFrame &f : tagged)
		want.push_back(relayed(f, {group_mac(f.dst_ip), out0_mac, out0_ip, {}, 6000}));
	expect_frames4(h.sent_on("out0"), want, "out0: VLAN 10 only, sent untagged");
	expect_drops(h, {{DropReason::no_rule, untagged.size() + 1}});
}

TEST(GoldenRange, AUnicastPrefixKeptGoesToTheGivenMac)
{
	// Unicast destinations of 198.18.9.0/24 and 2001:2:0:9::/64 arrive in
	// frames to in0's MAC and leave, destination kept, to the `mac:` given.
	std::vector<UdpFrame> sent4;
	for (uint8_t i = 1; i < 4; i++) {
		UdpFrame f = to_group(ipv4(198, 18, 9, i), 5000, i, i);
		f.dst_mac = in0_mac;
		sent4.push_back(f);
	}
	UdpFrame wrong_mac = sent4[0];
	wrong_mac.dst_mac = out1_mac;
	std::vector<FrameBuilder6> sent6;
	for (uint16_t i = 1; i < 3; i++) {
		FrameBuilder6 f = frame6(sender_mac, source6, ip6({0x2001, 2, 0, 9, 0, 0, 0, i}), 5000, 10 + i, i, 60);
		std::copy(in0_mac.begin(), in0_mac.end(), f.dst_mac);
		sent6.push_back(f);
	}
	std::vector<Bytes> wire = built(sent4);
	wire.push_back(build_frame(wrong_mac));
	for (const FrameBuilder6 &f : sent6)
		wire.push_back(f.build());
	RelayHarness h({ingress_bytes(wire), egress6("out0")}, EngineParams{});
	add_rule(h, range_rule("uni4", prefix4(ipv4(198, 18, 9, 0), 24), config::PortRange::single(5000),
			       {{.port = "out0", .mac = unicast_next_hop}}));
	add_rule(h, range_rule("uni6", prefix6(ip6({0x2001, 2, 0, 9, 0, 0, 0, 0}), 64),
			       config::PortRange::single(5000), {{.port = "out0", .mac = unicast_next_hop}}));
	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), wire.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	const std::vector<Bytes> out = h.sent_on("out0");
	ASSERT_EQ(out.size(), sent4.size() + sent6.size());
	for (size_t i = 0; i < sent4.size(); i++)
		expect_frame(out[i], relayed(sent4[i], {unicast_next_hop, out0_mac, out0_ip}));
	for (size_t i = 0; i < sent6.size(); i++)
		expect_frame6(out[sent4.size() + i], relayed6(sent6[i], {unicast_next_hop, out0_mac, out0_ip6}));
	expect_drops(h, {{DropReason::mac_mismatch, 1}});
}

// What a port sent, IPv4 fragments put back together by id in offset
// order; every frame checked to fit `mtu` and its header checksum.
std::vector<Bytes> reassembled4(const std::vector<Bytes> &sent, uint16_t mtu, size_t *fragments)
{
	constexpr size_t eth = 14, iph = 20;
	std::vector<Bytes> whole;
	std::map<uint16_t, std::map<uint16_t, Bytes>> parts;
	*fragments = 0;
	for (const Bytes &b : sent) {
		const uint8_t *ip = &b[eth];
		EXPECT_LE(read16(ip + 2), mtu) << "a frame larger than the port's MTU";
		EXPECT_EQ(ipv4_header_checksum(ip), read16(ip + 10)) << "fragment IPv4 checksum";
		const uint16_t flags = read16(ip + 6);
		if ((flags & 0x3fff) == 0) {
			whole.push_back(b);
			continue;
		}
		++*fragments;
		parts[read16(ip + 4)][static_cast<uint16_t>((flags & 0x1fff) * 8)] = b;
	}
	for (const auto &[id, by_offset] : parts) {
		Bytes b(by_offset.begin()->second.begin(), by_offset.begin()->second.begin() + eth + iph);
		size_t expected_offset = 0;
		for (const auto &[offset, frag] : by_offset) {
			EXPECT_EQ(offset, expected_offset) << "hole or overlap in datagram " << id;
			b.insert(b.end(), frag.begin() + eth + iph, frag.end());
			expected_offset += frag.size() - eth - iph;
		}
		uint8_t *ip = &b[eth];
		const auto total = static_cast<uint16_t>(b.size() - eth);
		ip[2] = static_cast<uint8_t>(total >> 8);
		ip[3] = static_cast<uint8_t>(total);
		ip[6] &= 0x40;
		ip[7] = 0;
		ip[10] = ip[11] = 0;
		const uint16_t sum = ipv4_header_checksum(ip);
		ip[10] = static_cast<uint8_t>(sum >> 8);
		ip[11] = static_cast<uint8_t>(sum);
		whole.push_back(b);
	}
	return whole;
}

TEST(GoldenRange, AGeneralIpv4OutputIsFragmentedWithDfClearAndTooBigWithDf)
{
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 4; seq++) {
		UdpFrame f = to_group(ipv4(239, 1, 4, static_cast<uint8_t>(seq)), 5000, seq, seq, 1400);
		f.flags_fragment = seq % 2 ? 0x4000 : 0;
		sent.push_back(f);
	}
	PortPlan out0 = egress("out0");
	out0.mtu = 1000;
	RelayHarness h({ingress(sent), out0}, EngineParams{});
	const config::Rule rule = range_rule("range", prefix4(ipv4(239, 1, 0, 0), 16),
		config::PortRange::single(5000), {{.port = "out0", .dst = prefix4(ipv4(239, 2, 0, 0), 16), .dport = 6000}});
	add_rule(h, rule);
	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	std::vector<UdpFrame> want;
	for (const UdpFrame &f : sent)
		if (f.flags_fragment == 0) {
			const uint32_t mapped = ipv4(239, 2, 0, 0) | (f.dst_ip & 0xffff);
			want.push_back(relayed(f, {group_mac(mapped), out0_mac, out0_ip, mapped, 6000}));
		}
	size_t fragments = 0;
	expect_flows(reassembled4(h.sent_on("out0"), 1000, &fragments), want);
	EXPECT_EQ(fragments, 2u * 2u);
	expect_drops(h, {{DropReason::too_big, 2}});
	const CompiledRule *r = h.engine().rules().find(Engine::key_of(rule.match, h.port_index("in0")));
	ASSERT_NE(r, nullptr);
	EXPECT_TRUE(r->general());
	expect_output_drops(r->output_counters(0, 0), {{DropReason::too_big, 2}});
}

} // namespace
} // namespace mcr::engine::test
