// The range rules' verdicts, one frame each, through BPF_PROG_TEST_RUN: the
// action and the one counter it bumps, both families, with the exact and
// range rules of xdp_harness.cpp loaded.
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
constexpr uint16_t mf = 0x2000;

constexpr auto range_match = MCR_XDP_STAT_RANGE_PASS_MATCH;
constexpr auto range6_match = MCR_XDP_STAT_IPV6_RANGE_PASS_MATCH;
constexpr auto other = MCR_XDP_STAT_PASS_OTHER;
constexpr auto other6 = MCR_XDP_STAT_IPV6_PASS_OTHER;

struct RangeCase {
	const char *name;
	Frame frame;
	uint32_t flags;
	int action;
	mcr_xdp_stat stat;
};

struct Range6Case {
	const char *name;
	Frame6 frame;
	uint32_t flags;
	int action;
	mcr_xdp_stat stat;
};

void PrintTo(const RangeCase &c, std::ostream *os)
{
	*os << c.name;
}

void PrintTo(const Range6Case &c, std::ostream *os)
{
	*os << c.name;
}

Frame to(const char *dst, uint16_t port)
{
	return Frame().to(dst, port);
}

Frame6 to6(const char *dst, uint16_t port)
{
	return Frame6().to(dst, port);
}

// Standard ranges (xdp_harness.cpp): 239.2.0.0/16 5000-5099; 239.2.7.0/24
// 6000; 239.4.4.4/32 7000-7001; 0.0.0.0/0 any port on VLAN 200;
// 198.18.64.0/18 8000-8999 from 198.18.0.0/24; 239.1.1.0/24 6000 on VLAN
// 100. Exact rules inside them: 239.2.0.1:5000, 239.1.1.3:6000 VLAN 100.
const RangeCase cases[] = {
	{"match_af_packet", to("239.2.3.4", 5050), af_packet, XDP_PASS, range_match},
	{"match_af_xdp_no_socket", to("239.2.3.4", 5050), af_xdp, XDP_PASS,
	 MCR_XDP_STAT_RANGE_NO_SOCKET},
	// Prefix edges.
	{"first_address", to("239.2.0.0", 5000), af_packet, XDP_PASS, range_match},
	{"last_address", to("239.2.255.255", 5099), af_packet, XDP_PASS, range_match},
	{"below_first_address", to("239.1.255.255", 5000), af_packet, XDP_PASS, other},
	{"above_last_address", to("239.3.0.0", 5000), af_packet, XDP_PASS, other},
	// Prefix not on a byte boundary (/18): 198.18.64.0 - 198.18.127.255.
	{"slash_18_first", to("198.18.64.0", 8000), af_packet, XDP_PASS, range_match},
	{"slash_18_last", to("198.18.127.255", 8999), af_packet, XDP_PASS, range_match},
	{"slash_18_below", to("198.18.63.255", 8000), af_packet, XDP_PASS, other},
	{"slash_18_above", to("198.18.128.0", 8000), af_packet, XDP_PASS, other},
	// Port edges.
	{"port_below_first", to("239.2.3.4", 4999), af_packet, XDP_PASS, other},
	{"port_first", to("239.2.3.4", 5000), af_packet, XDP_PASS, range_match},
	{"port_last", to("239.2.3.4", 5099), af_packet, XDP_PASS, range_match},
	{"port_above_last", to("239.2.3.4", 5100), af_packet, XDP_PASS, other},
	// The /24 inside the /16: its own port and the /16's, nothing else.
	{"nested_own_port", to("239.2.7.9", 6000), af_packet, XDP_PASS, range_match},
	{"nested_outer_port", to("239.2.7.9", 5050), af_packet, XDP_PASS, range_match},
	{"nested_outer_last_port", to("239.2.7.255", 5099), af_packet, XDP_PASS, range_match},
	{"nested_port_outside_both", to("239.2.7.9", 6001), af_packet, XDP_PASS, other},
	{"nested_first_address", to("239.2.7.0", 6000), af_packet, XDP_PASS, range_match},
	{"nested_last_address", to("239.2.7.255", 6000), af_packet, XDP_PASS, range_match},
	{"nested_port_below_prefix", to("239.2.6.255", 6000), af_packet, XDP_PASS, other},
	{"nested_port_above_prefix", to("239.2.8.0", 6000), af_packet, XDP_PASS, other},
	// /32.
	{"slash_32", to("239.4.4.4", 7000), af_packet, XDP_PASS, range_match},
	{"slash_32_last_port", to("239.4.4.4", 7001), af_packet, XDP_PASS, range_match},
	{"slash_32_port_above", to("239.4.4.4", 7002), af_packet, XDP_PASS, other},
	{"slash_32_next_address", to("239.4.4.5", 7000), af_packet, XDP_PASS, other},
	{"slash_32_previous_address", to("239.4.4.3", 7000), af_packet, XDP_PASS, other},
	// /0 with any port, on VLAN 200 only.
	{"slash_0_any_address", to("198.51.100.1", 1).with_vlan(200), af_packet, XDP_PASS,
	 range_match},
	{"slash_0_last_address_port_0", to("255.255.255.255", 0).with_vlan(200), af_packet,
	 XDP_PASS, range_match},
	{"slash_0_first_address_last_port", to("0.0.0.0", 65535).with_vlan(200), af_packet,
	 XDP_PASS, range_match},
	{"slash_0_other_vlan", to("198.51.100.1", 1).with_vlan(201), af_packet, XDP_PASS, other},
	{"slash_0_priority_bits", to("198.51.100.1", 1).with_vlan(0xe000 | 200), af_packet,
	 XDP_PASS, range_match},
	// VLAN is part of the match.
	{"vlan_tagged_frame_untagged_range", to("239.2.3.4", 5050).with_vlan(7), af_packet,
	 XDP_PASS, other},
	{"vlan_range", to("239.1.1.4", 6000).with_vlan(100), af_packet, XDP_PASS, range_match},
	{"vlan_range_untagged_frame", to("239.1.1.4", 6000), af_packet, XDP_PASS, other},
	// An exact rule wins and counts as exact.
	{"exact_inside_range", to("239.2.0.1", 5000), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_MATCH},
	{"exact_inside_range_af_xdp", to("239.2.0.1", 5000), af_xdp, XDP_PASS,
	 MCR_XDP_STAT_NO_SOCKET},
	{"exact_inside_vlan_range", to("239.1.1.3", 6000).with_vlan(100), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_MATCH},
	{"exact_address_other_port_in_range", to("239.2.0.1", 5001), af_packet, XDP_PASS,
	 range_match},
	// The source prefix is mcr's to check: every source passes.
	{"source_prefix_right_source", to("198.18.70.1", 8500), af_packet, XDP_PASS, range_match},
	{"source_prefix_other_source", to("198.18.70.1", 8500).from("198.51.100.9"), af_packet,
	 XDP_PASS, range_match},
	// Strict: a range match is never dropped; the range's gaps are.
	{"strict_match", to("239.2.3.4", 5050), strict, XDP_PASS, range_match},
	{"strict_match_af_xdp", to("239.2.3.4", 5050), strict | af_xdp, XDP_PASS,
	 MCR_XDP_STAT_RANGE_NO_SOCKET},
	{"strict_port_outside", to("239.2.3.4", 5100), strict, XDP_DROP, MCR_XDP_STAT_DROP_STRICT},
	{"strict_nested_gap", to("239.2.7.9", 5500), strict, XDP_DROP, MCR_XDP_STAT_DROP_STRICT},
	{"strict_vlan_200_slash_0", to("239.9.9.9", 1).with_vlan(200), strict, XDP_PASS,
	 range_match},
	{"strict_exact_inside_range", to("239.2.0.1", 5000), strict, XDP_PASS,
	 MCR_XDP_STAT_PASS_MATCH},
	// Malformed traffic for a range rule is dropped as for an exact one.
	{"malformed_udp_length_in_range", to("239.2.3.4", 5050).with_udp_length(7), af_packet,
	 XDP_DROP, MCR_XDP_STAT_DROP_MALFORMED},
	{"malformed_udp_length_port_outside", to("239.2.3.4", 5100).with_udp_length(7), af_packet,
	 XDP_PASS, MCR_XDP_STAT_PASS_MALFORMED},
	{"bad_version_in_prefix", to("239.2.3.4", 1).with_version(6), af_packet, XDP_DROP,
	 MCR_XDP_STAT_DROP_MALFORMED},
	{"bad_ihl_in_prefix_other_vlan", to("239.2.3.4", 5050).with_ihl(4).with_vlan(7), af_packet,
	 XDP_PASS, MCR_XDP_STAT_PASS_MALFORMED},
	{"udp_no_port_in_prefix", to("239.2.3.4", 5050).with_l4_bytes(2), af_packet, XDP_DROP,
	 MCR_XDP_STAT_DROP_MALFORMED},
	// Fragments go where their destination does: to mcr, counted as range.
	{"later_fragment_in_prefix", to("239.2.3.4", 5050).with_frag_off(185), af_packet, XDP_PASS,
	 range_match},
	{"later_fragment_in_prefix_af_xdp", to("239.2.3.4", 5050).with_frag_off(185), af_xdp,
	 XDP_PASS, MCR_XDP_STAT_RANGE_NO_SOCKET},
	{"first_fragment_in_prefix_any_port", to("239.2.3.4", 9).with_frag_off(mf), af_packet,
	 XDP_PASS, range_match},
	{"first_fragment_cut_before_port", to("239.2.3.4", 5050).with_frag_off(mf).with_l4_bytes(2),
	 af_packet, XDP_DROP, MCR_XDP_STAT_DROP_FRAGMENT},
	{"later_fragment_prefix_other_vlan", to("239.2.3.4", 5050).with_frag_off(185).with_vlan(7),
	 strict, XDP_DROP, MCR_XDP_STAT_DROP_STRICT},
	{"later_fragment_exact_group", Frame().with_frag_off(185), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_MATCH},
	// Not UDP: the kernel's, range or not.
	{"icmp_in_prefix", to("239.2.3.4", 5050).with_protocol(1), strict, XDP_PASS, other},
};

// Standard IPv6 ranges: ff3e::1:0/112 5000-5099; ff3e::1:700/121 6000;
// ff3e::4:4/128 7000-7001; ::/0 any port on VLAN 200; 2001:2:0:1::/64
// 8000-8999 from 2001:2::/64; ff3e::/120 6000 on VLAN 100. Exact rules
// inside them: ff3e::1:1:5000, ff3e::3:6000 VLAN 100.
const Range6Case cases6[] = {
	{"match_af_packet", to6("ff3e::1:34", 5050), af_packet, XDP_PASS, range6_match},
	{"match_af_xdp_no_socket", to6("ff3e::1:34", 5050), af_xdp, XDP_PASS,
	 MCR_XDP_STAT_IPV6_RANGE_NO_SOCKET},
	{"first_address", to6("ff3e::1:0", 5000), af_packet, XDP_PASS, range6_match},
	{"last_address", to6("ff3e::1:ffff", 5099), af_packet, XDP_PASS, range6_match},
	{"below_first_address", to6("ff3e::ffff", 5000), af_packet, XDP_PASS, other6},
	{"above_last_address", to6("ff3e::2:0", 5000), af_packet, XDP_PASS, other6},
	{"port_below_first", to6("ff3e::1:34", 4999), af_packet, XDP_PASS, other6},
	{"port_first", to6("ff3e::1:34", 5000), af_packet, XDP_PASS, range6_match},
	{"port_last", to6("ff3e::1:34", 5099), af_packet, XDP_PASS, range6_match},
	{"port_above_last", to6("ff3e::1:34", 5100), af_packet, XDP_PASS, other6},
	// /121 inside the /112: ff3e::1:700 - ff3e::1:77f.
	{"nested_own_port", to6("ff3e::1:712", 6000), af_packet, XDP_PASS, range6_match},
	{"nested_outer_port", to6("ff3e::1:712", 5050), af_packet, XDP_PASS, range6_match},
	{"nested_first_address", to6("ff3e::1:700", 6000), af_packet, XDP_PASS, range6_match},
	{"nested_last_address", to6("ff3e::1:77f", 6000), af_packet, XDP_PASS, range6_match},
	{"nested_below_prefix", to6("ff3e::1:6ff", 6000), af_packet, XDP_PASS, other6},
	{"nested_above_prefix", to6("ff3e::1:780", 6000), af_packet, XDP_PASS, other6},
	{"nested_port_outside_both", to6("ff3e::1:712", 6001), af_packet, XDP_PASS, other6},
	// /128.
	{"slash_128", to6("ff3e::4:4", 7000), af_packet, XDP_PASS, range6_match},
	{"slash_128_last_port", to6("ff3e::4:4", 7001), af_packet, XDP_PASS, range6_match},
	{"slash_128_port_above", to6("ff3e::4:4", 7002), af_packet, XDP_PASS, other6},
	{"slash_128_next_address", to6("ff3e::4:5", 7000), af_packet, XDP_PASS, other6},
	{"slash_128_previous_address", to6("ff3e::4:3", 7000), af_packet, XDP_PASS, other6},
	// /0 on VLAN 200.
	{"slash_0_any_address", to6("2001:db8::1", 1).with_vlan(200), af_packet, XDP_PASS,
	 range6_match},
	{"slash_0_last_address",
	 to6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0).with_vlan(200), af_packet, XDP_PASS,
	 range6_match},
	{"slash_0_first_address", to6("::", 65535).with_vlan(200), af_packet, XDP_PASS,
	 range6_match},
	{"slash_0_other_vlan", to6("2001:db8::1", 1).with_vlan(201), af_packet, XDP_PASS, other6},
	// VLAN.
	{"vlan_tagged_frame_untagged_range", to6("ff3e::1:34", 5050).with_vlan(7), af_packet,
	 XDP_PASS, other6},
	{"vlan_range", to6("ff3e::4", 6000).with_vlan(100), af_packet, XDP_PASS, range6_match},
	{"vlan_range_untagged_frame", to6("ff3e::4", 6000), af_packet, XDP_PASS, other6},
	// Exact wins and counts as exact.
	{"exact_inside_range", to6("ff3e::1:1", 5000), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"exact_inside_range_af_xdp", to6("ff3e::1:1", 5000), af_xdp, XDP_PASS,
	 MCR_XDP_STAT_IPV6_NO_SOCKET},
	{"exact_inside_vlan_range", to6("ff3e::3", 6000).with_vlan(100), af_packet, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MATCH},
	{"exact_address_other_port_in_range", to6("ff3e::1:1", 5001), af_packet, XDP_PASS,
	 range6_match},
	// Source prefix: mcr checks it.
	{"source_prefix_right_source", to6("2001:2:0:1::9", 8500).from("2001:2::7"), af_packet,
	 XDP_PASS, range6_match},
	{"source_prefix_other_source", to6("2001:2:0:1::9", 8500).from("2001:db8::7"), af_packet,
	 XDP_PASS, range6_match},
	// Strict.
	{"strict_match", to6("ff3e::1:34", 5050), strict, XDP_PASS, range6_match},
	{"strict_match_af_xdp", to6("ff3e::1:34", 5050), strict | af_xdp, XDP_PASS,
	 MCR_XDP_STAT_IPV6_RANGE_NO_SOCKET},
	{"strict_port_outside", to6("ff3e::1:34", 5100), strict, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_STRICT},
	{"strict_nested_gap", to6("ff3e::1:712", 5500), strict, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_STRICT},
	{"strict_vlan_200_slash_0", to6("ff3e::9", 1).with_vlan(200), strict, XDP_PASS,
	 range6_match},
	{"strict_exact_inside_range", to6("ff3e::1:1", 5000), strict, XDP_PASS,
	 MCR_XDP_STAT_IPV6_PASS_MATCH},
	// Malformed.
	{"zero_checksum_in_range", to6("ff3e::1:34", 5050).with_udp_checksum(0), af_packet,
	 XDP_DROP, MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"zero_checksum_port_outside", to6("ff3e::1:34", 5100).with_udp_checksum(0), af_packet,
	 XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MALFORMED},
	{"bad_version_in_prefix", to6("ff3e::1:34", 1).with_version(4), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	{"bad_version_in_prefix_other_vlan", to6("ff3e::1:34", 1).with_version(4).with_vlan(7),
	 af_packet, XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MALFORMED},
	{"udp_no_port_in_prefix", to6("ff3e::1:34", 5050).with_l4_bytes(2), af_packet, XDP_DROP,
	 MCR_XDP_STAT_IPV6_DROP_MALFORMED},
	// Fragments.
	{"later_fragment_in_prefix", to6("ff3e::1:34", 5050).with_fragment(frag_offset(185)),
	 af_packet, XDP_PASS, range6_match},
	{"later_fragment_in_prefix_af_xdp", to6("ff3e::1:34", 5050).with_fragment(frag_offset(185)),
	 af_xdp, XDP_PASS, MCR_XDP_STAT_IPV6_RANGE_NO_SOCKET},
	{"first_fragment_in_prefix_any_port", to6("ff3e::1:34", 9).with_fragment(more_fragments),
	 af_packet, XDP_PASS, range6_match},
	{"first_fragment_cut_before_port",
	 to6("ff3e::1:34", 5050).with_fragment(more_fragments).with_l4_bytes(2), af_packet,
	 XDP_DROP, MCR_XDP_STAT_IPV6_DROP_FRAGMENT},
	{"later_fragment_exact_group", Frame6().with_fragment(frag_offset(185)), af_packet,
	 XDP_PASS, MCR_XDP_STAT_IPV6_PASS_MATCH},
	// Not UDP: the kernel's.
	{"icmpv6_in_prefix", to6("ff3e::1:34", 0).icmpv6(128), strict, XDP_PASS, other6},
	{"neighbour_solicitation_vlan_200", to6("ff02::1:ff00:1", 0).icmpv6(135).with_vlan(200),
	 strict | af_xdp, XDP_PASS, other6},
};

class XdpRangeVerdict : public VerdictTable<RangeCase> {};
class XdpRange6Verdict : public VerdictTable<Range6Case> {};

TEST_P(XdpRangeVerdict, ActionAndCounter)
{
	expect_verdict();
}

TEST_P(XdpRange6Verdict, ActionAndCounter)
{
	expect_verdict();
}

INSTANTIATE_TEST_SUITE_P(Frames, XdpRangeVerdict, ::testing::ValuesIn(cases),
			 [](const ::testing::TestParamInfo<RangeCase> &info) {
				 return std::string(info.param.name);
			 });

INSTANTIATE_TEST_SUITE_P(Frames, XdpRange6Verdict, ::testing::ValuesIn(cases6),
			 [](const ::testing::TestParamInfo<Range6Case> &info) {
				 return std::string(info.param.name);
			 });

// The range counters are reachable (redirect: test_xdp_redirect.cpp).
TEST(XdpRangeTable, CoversEveryRangeCounterButRedirect)
{
	bool seen[MCR_XDP_STAT__COUNT] = {};
	for (const RangeCase &c : cases)
		seen[c.stat] = true;
	for (const Range6Case &c : cases6)
		seen[c.stat] = true;
	for (int stat = MCR_XDP_STAT_RANGE_REDIRECT; stat < MCR_XDP_STAT__COUNT; ++stat) {
		if (stat == MCR_XDP_STAT_RANGE_REDIRECT || stat == MCR_XDP_STAT_IPV6_RANGE_REDIRECT)
			continue;
		EXPECT_TRUE(seen[stat]) << xdp_stat_name(static_cast<mcr_xdp_stat>(stat));
	}
}

// With the range maps emptied, what they matched falls back to the exact
// verdicts: the entries, not something else, made the matches.
TEST(XdpRangeVerdicts, EmptyRangeMapsMatchNothing)
{
	MCR_REQUIRE_XDP_HARNESS();
	const XdpMaps &maps = XdpHarness::get().maps();
	ASSERT_TRUE(sync_standard_rules(maps));
	ASSERT_TRUE(set_xdp_flags(maps, strict));
	ASSERT_TRUE(sync_ranges(maps, {}));
	ASSERT_TRUE(sync_ranges6(maps, {}));

	auto v4 = run_counted(XdpHarness::get(), to("239.2.3.4", 5050).bytes());
	ASSERT_TRUE(v4) << v4.error().message;
	EXPECT_EQ(v4->action, XDP_DROP);
	EXPECT_EQ(v4->delta[MCR_XDP_STAT_DROP_STRICT], 1u);
	auto v6 = run_counted(XdpHarness::get(), to6("ff3e::1:34", 5050).bytes());
	ASSERT_TRUE(v6) << v6.error().message;
	EXPECT_EQ(v6->action, XDP_DROP);
	EXPECT_EQ(v6->delta[MCR_XDP_STAT_IPV6_DROP_STRICT], 1u);
	ASSERT_TRUE(sync_standard_rules(maps));
}

// The program skips a range map the config says is empty (the lookup of
// an empty trie would cost every miss): entries it is not told about are
// not matched.
TEST(XdpRangeVerdicts, RangeMapsAreReadOnlyWhenTheConfigSaysTheyHoldEntries)
{
	MCR_REQUIRE_XDP_HARNESS();
	const XdpMaps &maps = XdpHarness::get().maps();
	ASSERT_TRUE(sync_standard_rules(maps));
	ASSERT_TRUE(set_xdp_flags(maps, af_packet));
	ASSERT_TRUE(set_xdp_ranges_held(maps, MCR_XDP_RANGES_IPV4, false));

	auto v4 = run_counted(XdpHarness::get(), to("239.2.3.4", 5050).bytes());
	ASSERT_TRUE(v4) << v4.error().message;
	EXPECT_EQ(v4->delta[other], 1u);
	auto v6 = run_counted(XdpHarness::get(), to6("ff3e::1:34", 5050).bytes());
	ASSERT_TRUE(v6) << v6.error().message;
	EXPECT_EQ(v6->delta[range6_match], 1u);
	ASSERT_TRUE(set_xdp_ranges_held(maps, MCR_XDP_RANGES_IPV6, false));
	v6 = run_counted(XdpHarness::get(), to6("ff3e::1:34", 5050).with_udp_length(7).bytes());
	ASSERT_TRUE(v6) << v6.error().message;
	EXPECT_EQ(v6->delta[MCR_XDP_STAT_IPV6_PASS_MALFORMED], 1u);
	ASSERT_TRUE(sync_ranges(maps, {}));
	ASSERT_TRUE(sync_ranges6(maps, {}));
	ASSERT_TRUE(sync_standard_rules(maps));
	v4 = run_counted(XdpHarness::get(), to("239.2.3.4", 5050).bytes());
	ASSERT_TRUE(v4) << v4.error().message;
	EXPECT_EQ(v4->delta[range_match], 1u);
}

// A rule deleted and added back through add_range/delete_range changes the
// verdict at once: the program reads what the control plane wrote.
TEST(XdpRangeVerdicts, DeleteAndAddChangeTheVerdict)
{
	MCR_REQUIRE_XDP_HARNESS();
	const XdpMaps &maps = XdpHarness::get().maps();
	ASSERT_TRUE(sync_standard_rules(maps));
	ASSERT_TRUE(set_xdp_flags(maps, af_packet));
	const RangeRule nested = standard_ranges()[1]; // 239.2.7.0/24 6000

	auto before = run_counted(XdpHarness::get(), to("239.2.7.9", 6000).bytes());
	ASSERT_TRUE(before);
	EXPECT_EQ(before->delta[range_match], 1u);
	ASSERT_TRUE(delete_range(maps, nested));
	auto deleted = run_counted(XdpHarness::get(), to("239.2.7.9", 6000).bytes());
	ASSERT_TRUE(deleted);
	EXPECT_EQ(deleted->delta[other], 1u);
	// The /16 still covers the address for its own ports.
	auto outer = run_counted(XdpHarness::get(), to("239.2.7.9", 5050).bytes());
	ASSERT_TRUE(outer);
	EXPECT_EQ(outer->delta[range_match], 1u);
	ASSERT_TRUE(add_range(maps, nested));
	auto added = run_counted(XdpHarness::get(), to("239.2.7.9", 6000).bytes());
	ASSERT_TRUE(added);
	EXPECT_EQ(added->delta[range_match], 1u);
}

} // namespace
} // namespace mcr::bpf::test
