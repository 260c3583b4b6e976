// The IPv6 verdicts of the XDP program, one frame each, through
// BPF_PROG_TEST_RUN: the action returned and the one counter it bumps, as
// test_xdp_verdicts.cpp does for IPv4.
#include <ostream>
#include <string>

#include <gtest/gtest.h>
#include <linux/bpf.h>

#include "frame_builder.h"
#include "xdp_config.h"
#include "xdp_harness.h"

namespace mcr::bpf::test {
namespace {

constexpr uint32_t af_packet = 0;
constexpr uint32_t af_xdp = MCR_XDP_F_REDIRECT;
constexpr uint32_t strict = MCR_XDP_F_STRICT;

// ICMPv6 types (RFC 4443, 4861, 2710, 3810).
constexpr uint8_t echo_request = 128, mld_v1_report = 131, mld_v2_report = 143,
		  router_solicitation = 133, router_advertisement = 134,
		  neighbour_solicitation = 135, neighbour_advertisement = 136;

constexpr size_t eth = 14, ip6 = 40;

struct Verdict6Case {
	const char *name;
	Frame6 frame;
	uint32_t flags;
	int action;
	mcr_xdp_stat stat;
};

void PrintTo(const Verdict6Case &c, std::ostream *os)
{
	*os << c.name;
}

ExtHeader hop_by_hop(size_t length = 8)
{
	return {nh_hop_by_hop, length};
}

ExtHeader routing(uint8_t segments_left = 0)
{
	return {nh_routing, 24, segments_left};
}

ExtHeader dest_options(size_t length = 8)
{
	return {nh_dest_options, length};
}

// MLD's hop-by-hop header carries the Router Alert option (RFC 2711).
Frame6 mld(uint8_t type, const char *dst)
{
	return Frame6().with_ext(hop_by_hop()).icmpv6(type).to(dst, 0).from("fe80::7");
}

Frame6 with_dest_options(Frame6 f, int count)
{
	for (int i = 0; i < count; ++i)
		f.with_ext(dest_options());
	return f;
}

// Standard IPv6 rules (xdp_harness.cpp): ff3e::1:5000 any source;
// ff3e::2:5000 from 2001:2::7 only; ff3e::3:6000 on VLAN 100;
// 2001:2::1:1:7000 unicast. Frame6() is UDP 2001:2::7 -> ff3e::1:5000.
const Verdict6Case cases[] = {
	// Matches, and where they go.
	{"match_af_packet", Frame6(), af_packet, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"match_af_xdp_no_socket", Frame6(), af_xdp, XDP_PASS, MCR_XDP_STAT_IPV6_NO_SOCKET},
	{"match_any_source_rule_other_source", Frame6().from("2001:2::9"), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"match_source_specific", Frame6().to("ff3e::2", 5000), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"source_specific_wrong_source", Frame6().to("ff3e::2", 5000).from("2001:2::8"),
	 af_packet, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"match_unicast", Frame6().to("2001:2::1:1", 7000), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"match_ethernet_padding", Frame6().with_payload(2).with_trailer(16), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"match_udp_length_shorter_than_payload", Frame6().with_udp_length(8 + 16), af_packet,
	 XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MATCH},
	// An IPv4 rule's address, IPv4-mapped, is not an IPv6 rule.
	{"ipv4_mapped_relay_group", Frame6().to("::ffff:239.1.1.1", 5000), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_OTHER},

	// Extension headers skipped on the way to UDP.
	{"match_hop_by_hop", Frame6().with_ext(hop_by_hop()), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"match_routing_no_segments_left", Frame6().with_ext(routing()), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"match_destination_options", Frame6().with_ext(dest_options()), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"match_longest_destination_options", Frame6().with_ext(dest_options(2048)), af_packet,
	 XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"match_every_kind_in_order",
	 Frame6().with_ext(hop_by_hop(16)).with_ext(dest_options()).with_ext(routing())
		 .with_ext(dest_options(24)),
	 af_xdp, XDP_PASS, MCR_XDP_STAT_IPV6_NO_SOCKET},
	{"match_eight_extension_headers", with_dest_options(Frame6().with_ext(hop_by_hop()), 7),
	 af_packet, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"nine_extension_headers_relay_group",
	 with_dest_options(Frame6().with_ext(hop_by_hop()), 8), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"nine_extension_headers_other_group",
	 with_dest_options(Frame6().to("ff3e::9", 5000), 9), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MALFORMED},
	{"hop_by_hop_not_first_relay_group",
	 Frame6().with_ext(dest_options()).with_ext(hop_by_hop()), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"routing_segments_left_relay_group", Frame6().with_ext(routing(1)), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	// Broken headers are judged by destination only, as IPv4's are.
	{"routing_segments_left_other_port_of_relay_group",
	 Frame6().to("ff3e::1", 5001).with_ext(routing(1)), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"routing_segments_left_other_group", Frame6().to("ff3e::9", 5000).with_ext(routing(1)),
	 af_packet, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MALFORMED},

	// UDP no rule wants.
	{"unmatched_port", Frame6().to("ff3e::1", 5001), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"unmatched_group", Frame6().to("ff3e::9", 5000), af_xdp, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"unmatched_unicast", Frame6().to("2001:2::1:1", 7001), af_xdp, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_OTHER},

	// Strict filter: groups of scope 3 (realm-local) and wider.
	{"strict_unmatched_group", Frame6().to("ff3e::9", 5000), strict, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_STRICT},
	{"strict_unmatched_port_of_relay_group", Frame6().to("ff3e::1", 5001), strict | af_xdp,
	 XDP_DROP, MCR_XDP_STAT_IPV6_DROP_STRICT},
	{"strict_realm_local_group", Frame6().to("ff03::1", 5000), strict, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_STRICT},
	{"strict_link_local_group", Frame6().to("ff02::fb", 5353), strict, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"strict_interface_local_group", Frame6().to("ff01::1", 5000), strict, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"strict_unmatched_unicast", Frame6().to("2001:2::1:1", 7001), strict, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"strict_match", Frame6(), strict, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"strict_malformed_other_group", Frame6().to("ff3e::9", 5000).with_udp_length(7), strict,
	 XDP_DROP, MCR_XDP_STAT_IPV6_DROP_STRICT},

	// The kernel's traffic: the host keeps working over IPv6.
	{"neighbour_solicitation", Frame6().icmpv6(neighbour_solicitation).to("ff02::1:ff01:1", 0),
	 strict | af_xdp, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"neighbour_advertisement_to_relay_unicast",
	 Frame6().icmpv6(neighbour_advertisement).to("2001:2::1:1", 0), strict | af_xdp, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"router_solicitation", Frame6().icmpv6(router_solicitation).to("ff02::2", 0), strict,
	 XDP_PASS, MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"router_advertisement", Frame6().icmpv6(router_advertisement).to("ff02::1", 0), strict,
	 XDP_PASS, MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"mld_v2_report", mld(mld_v2_report, "ff02::16"), strict | af_xdp, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"mld_v1_report_to_relay_group", mld(mld_v1_report, "ff3e::1"), strict | af_xdp, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"echo_request_to_relay_unicast", Frame6().icmpv6(echo_request).to("2001:2::1:1", 0),
	 strict | af_xdp, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"icmpv6_payload_length_beyond_frame_to_relay_group",
	 Frame6().icmpv6(echo_request).with_payload_length(1000), strict | af_xdp, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"tcp_to_relay_flow", Frame6().with_upper(nh_tcp).to("2001:2::1:1", 7000), strict | af_xdp,
	 XDP_PASS, MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"no_next_header_to_relay_group", Frame6().with_upper(nh_none), strict, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"icmpv6_fragment_to_relay_group", Frame6().with_fragment(more_fragments).icmpv6(128),
	 strict | af_xdp, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"vlan_neighbour_solicitation",
	 Frame6().with_vlan(100).icmpv6(neighbour_solicitation).to("ff02::1:ff01:1", 0), strict,
	 XDP_PASS, MCR_XDP_STAT_IPV6_PASS_OTHER},

	// 802.1Q.
	{"vlan_match", Frame6().with_vlan(100).to("ff3e::3", 6000), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"vlan_match_priority_bits", Frame6().with_vlan(0xa000 | 100).to("ff3e::3", 6000),
	 af_packet, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"vlan_match_extension_headers",
	 Frame6().with_vlan(100).to("ff3e::3", 6000).with_ext(hop_by_hop()).with_ext(routing()),
	 af_packet, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"vlan_other_vid", Frame6().with_vlan(101).to("ff3e::3", 6000), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"vlan_rule_untagged_frame", Frame6().to("ff3e::3", 6000), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"untagged_rule_tagged_frame", Frame6().with_vlan(100), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"untagged_rule_priority_tagged_frame", Frame6().with_vlan(0x6000), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MATCH},

	// Truncated. Cut before the addresses: the kernel decides.
	{"truncated_ipv6_header", Frame6().cut_at(eth + ip6 - 1), strict, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MALFORMED},
	{"truncated_ipv6_header_after_vlan", Frame6().with_vlan(100).cut_at(eth + 4 + ip6 - 1),
	 strict, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MALFORMED},
	{"header_only_relay_group", Frame6().cut_at(eth + ip6), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"truncated_hop_by_hop_relay_group", Frame6().with_ext(hop_by_hop()).cut_at(eth + ip6 + 7),
	 af_packet, XDP_DROP, MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"truncated_hop_by_hop_other_group",
	 Frame6().to("ff3e::9", 5000).with_ext(hop_by_hop()).cut_at(eth + ip6 + 4), af_packet,
	 XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MALFORMED},
	{"truncated_hop_by_hop_strict_other_group",
	 Frame6().to("ff3e::9", 5000).with_ext(hop_by_hop()).cut_at(eth + ip6 + 4), strict,
	 XDP_DROP, MCR_XDP_STAT_IPV6_DROP_STRICT},
	{"truncated_second_extension_header",
	 Frame6().with_ext(hop_by_hop()).with_ext(routing()).cut_at(eth + ip6 + 8 + 3), af_packet,
	 XDP_DROP, MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"truncated_inside_long_destination_options",
	 Frame6().with_ext(dest_options(64)).cut_at(eth + ip6 + 32), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"truncated_fragment_header", Frame6().with_fragment(more_fragments).cut_at(eth + ip6 + 7),
	 af_packet, XDP_DROP, MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"frame_cut_inside_udp_relay_group", Frame6().cut_at(eth + ip6 + 6), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"frame_cut_inside_udp_other_group", Frame6().to("ff3e::9", 5000).cut_at(eth + ip6 + 6),
	 af_packet, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MALFORMED},
	{"frame_cut_inside_payload_relay_unicast",
	 Frame6().to("2001:2::1:1", 7000).cut_at(eth + ip6 + 8 + 10), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	// Datagram too short for its UDP header but port readable: by rule.
	{"udp_header_short_match", Frame6().with_l4_bytes(4), af_xdp, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"udp_header_short_other_port", Frame6().to("ff3e::1", 5001).with_l4_bytes(4), af_packet,
	 XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MALFORMED},
	// Port unreadable: by destination.
	{"udp_header_no_port_relay_group", Frame6().with_l4_bytes(2), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"udp_header_no_port_other_group", Frame6().to("ff3e::9", 5000).with_l4_bytes(2),
	 af_packet, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MALFORMED},

	// Payload length, UDP length and checksum.
	{"payload_length_beyond_frame", Frame6().with_payload_length(8 + 33), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"payload_length_beyond_frame_other_group",
	 Frame6().to("ff3e::9", 5000).with_payload_length(8 + 33), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MALFORMED},
	{"payload_length_zero_jumbogram", Frame6().with_payload_length(0), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"payload_length_inside_extension_header",
	 Frame6().with_ext(hop_by_hop(16)).with_payload_length(8), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"payload_length_inside_udp_header", Frame6().with_payload_length(6), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"udp_length_beyond_payload", Frame6().with_udp_length(8 + 33), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"udp_length_below_header", Frame6().with_udp_length(7), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"udp_length_bad_other_port", Frame6().to("ff3e::1", 5001).with_udp_length(7), af_packet,
	 XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MALFORMED},
	{"zero_udp_checksum_match", Frame6().with_udp_checksum(0), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"zero_udp_checksum_other_port", Frame6().to("ff3e::1", 5001).with_udp_checksum(0),
	 af_packet, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MALFORMED},
	{"bad_udp_checksum_match", Frame6().with_udp_checksum(0x1234), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MATCH},

	// Version.
	{"version_4_relay_group", Frame6().with_version(4), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"version_0_other_group", Frame6().to("ff3e::9", 5000).with_version(0), af_packet,
	 XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MALFORMED},

	// Fragments go where their destination does, as IPv4's.
	{"first_fragment_match", Frame6().with_fragment(more_fragments), af_xdp, XDP_PASS,
	 MCR_XDP_STAT_IPV6_NO_SOCKET},
	{"first_fragment_other_port", Frame6().to("ff3e::1", 5001).with_fragment(more_fragments),
	 af_packet, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"first_fragment_strict_other_group",
	 Frame6().to("ff3e::9", 5000).with_fragment(more_fragments), strict, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_STRICT},
	{"first_fragment_other_unicast",
	 Frame6().to("2001:2::1:2", 7000).with_fragment(more_fragments), strict, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"first_fragment_cut_before_port", Frame6().with_fragment(more_fragments).with_l4_bytes(2),
	 af_packet, XDP_DROP, MCR_XDP_STAT_IPV6_DROP_FRAGMENT},
	{"first_fragment_no_port_other_group",
	 Frame6().to("ff3e::9", 5000).with_fragment(more_fragments).with_l4_bytes(2), af_packet,
	 XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MALFORMED},
	{"atomic_fragment_relay_group", Frame6().with_fragment(0), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"middle_fragment_relay_group",
	 Frame6().with_fragment(frag_offset(185) | more_fragments), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"last_fragment_relay_group", Frame6().with_fragment(frag_offset(370)), af_xdp, XDP_PASS,
	 MCR_XDP_STAT_IPV6_NO_SOCKET},
	{"last_fragment_other_group", Frame6().to("ff3e::9", 5000).with_fragment(frag_offset(370)),
	 af_packet, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_OTHER},
	{"last_fragment_strict_other_group",
	 Frame6().to("ff3e::9", 5000).with_fragment(frag_offset(370)), strict, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_STRICT},
	{"later_fragment_relay_unicast",
	 Frame6().to("2001:2::1:1", 7000).with_fragment(frag_offset(185)), strict, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"fragment_after_extension_headers",
	 Frame6().with_ext(hop_by_hop()).with_ext(dest_options()).with_fragment(more_fragments),
	 af_packet, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"fragment_header_past_payload_length",
	 Frame6().with_fragment(frag_offset(185)).with_payload_length(4), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"fragment_bad_version_relay_group",
	 Frame6().with_fragment(frag_offset(185)).with_version(5), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
};

class XdpVerdict6 : public VerdictTable<Verdict6Case> {};

TEST_P(XdpVerdict6, ActionAndCounter)
{
	expect_verdict();
}

INSTANTIATE_TEST_SUITE_P(Frames, XdpVerdict6, ::testing::ValuesIn(cases),
			 [](const ::testing::TestParamInfo<Verdict6Case> &info) {
				 return std::string(info.param.name);
			 });

// An IPv6 rule steers only IPv6: with the IPv4 rules gone, the IPv4 frame
// to the same port is not a match, and the other way round.
TEST(XdpVerdict6Families, RulesOfOneFamilyDoNotMatchTheOther)
{
	MCR_REQUIRE_XDP_HARNESS();
	const XdpMaps &maps = XdpHarness::get().maps();
	ASSERT_TRUE(set_xdp_flags(maps, af_packet));
	ASSERT_TRUE(sync_rules(maps, {}));
	const auto rules6 = standard_rules6();
	ASSERT_TRUE(sync_rules6(maps, rules6));

	auto v4 = run_counted(XdpHarness::get(), Frame().bytes());
	ASSERT_TRUE(v4) << v4.error().message;
	EXPECT_EQ(v4->delta[MCR_XDP_STAT_PASS_OTHER], 1u);
	auto v6 = run_counted(XdpHarness::get(), Frame6().bytes());
	ASSERT_TRUE(v6) << v6.error().message;
	EXPECT_EQ(v6->delta[MCR_XDP_STAT_IPV6_PASS_MATCH], 1u);

	const auto rules = standard_rules();
	ASSERT_TRUE(sync_rules(maps, rules));
	ASSERT_TRUE(sync_rules6(maps, {}));
	v4 = run_counted(XdpHarness::get(), Frame().bytes());
	ASSERT_TRUE(v4) << v4.error().message;
	EXPECT_EQ(v4->delta[MCR_XDP_STAT_PASS_MATCH], 1u);
	v6 = run_counted(XdpHarness::get(), Frame6().bytes());
	ASSERT_TRUE(v6) << v6.error().message;
	EXPECT_EQ(v6->delta[MCR_XDP_STAT_IPV6_PASS_OTHER], 1u);
	// A malformed frame to a group no IPv6 rule has any more: not dropped.
	v6 = run_counted(XdpHarness::get(), Frame6().with_udp_length(7).bytes());
	ASSERT_TRUE(v6) << v6.error().message;
	EXPECT_EQ(v6->action, XDP_PASS);
	EXPECT_EQ(v6->delta[MCR_XDP_STAT_IPV6_PASS_MALFORMED], 1u);
}

// What test/lab/frames.py sends as its "ipv6" kind: a 33:33 frame with 60
// zero bytes of IPv6, so version 0 and a chain of empty hop-by-hop headers
// that runs off the frame. Not for a rule: the kernel's, counted malformed.
TEST(XdpVerdict6Frames, AllZeroHeaderIsMalformedAndPassed)
{
	MCR_REQUIRE_XDP_HARNESS();
	const XdpMaps &maps = XdpHarness::get().maps();
	ASSERT_TRUE(sync_standard_rules(maps));
	ASSERT_TRUE(set_xdp_flags(maps, strict | af_xdp));
	std::vector<uint8_t> frame{0x33, 0x33, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd};
	frame.resize(frame.size() + 60, 0);

	auto verdict = run_counted(XdpHarness::get(), frame);
	ASSERT_TRUE(verdict) << verdict.error().message;
	EXPECT_EQ(verdict->action, XDP_PASS);
	EXPECT_EQ(verdict->delta[MCR_XDP_STAT_IPV6_PASS_MALFORMED], 1u);
}

// Every IPv6 verdict is reachable from the table.
TEST(XdpVerdict6Table, CoversEveryIpv6CounterButRedirect)
{
	bool seen[MCR_XDP_STAT__COUNT] = {};
	for (const Verdict6Case &c : cases)
		seen[c.stat] = true;
	// The range counters: test_xdp_ranges.cpp.
	for (int stat = MCR_XDP_STAT_IPV6_REDIRECT; stat <= MCR_XDP_STAT_IPV6_DROP_STRICT; ++stat) {
		// Needs a bound AF_XDP socket: test_xdp_redirect.cpp covers it.
		if (stat == MCR_XDP_STAT_IPV6_REDIRECT)
			continue;
		EXPECT_TRUE(seen[stat]) << xdp_stat_name(static_cast<mcr_xdp_stat>(stat));
	}
}

} // namespace
} // namespace mcr::bpf::test
