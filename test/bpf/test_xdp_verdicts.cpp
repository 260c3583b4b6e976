// Every verdict the XDP program can reach, one frame each, through
// BPF_PROG_TEST_RUN: the action returned and the one counter it bumps.
#include <cerrno>
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

constexpr uint16_t mf = 0x2000;  // more fragments
constexpr uint16_t df = 0x4000;  // don't fragment
constexpr uint16_t ip_icmp = 1, ip_igmp = 2, ip_tcp = 6;

struct VerdictCase {
	const char *name;
	Frame frame;
	uint32_t flags;
	int action;
	mcr_xdp_stat stat;
};

void PrintTo(const VerdictCase &c, std::ostream *os)
{
	*os << c.name;
}

// Standard rules (xdp_harness.cpp): 239.1.1.1:5000 any source;
// 239.1.1.2:5000 from 198.18.0.7 only; 239.1.1.3:6000 on VLAN 100;
// 198.18.1.1:7000 unicast. Frame() is UDP 198.18.0.7 -> 239.1.1.1:5000.
const VerdictCase cases[] = {
	// Matches, and where they go.
	{"match_af_packet", Frame(), af_packet, XDP_PASS, MCR_XDP_STAT_PASS_MATCH},
	// No socket in xsks_map: bpf_redirect_map falls back to XDP_PASS.
	{"match_af_xdp_no_socket", Frame(), af_xdp, XDP_PASS, MCR_XDP_STAT_NO_SOCKET},
	{"match_any_source_rule_other_source", Frame().from("198.18.9.9"), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_MATCH},
	{"match_source_specific", Frame().to("239.1.1.2", 5000), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_MATCH},
	{"source_specific_wrong_source", Frame().to("239.1.1.2", 5000).from("198.18.0.8"),
	 af_packet, XDP_PASS, MCR_XDP_STAT_PASS_OTHER},
	{"match_unicast", Frame().to("198.18.1.1", 7000), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_MATCH},
	{"match_ip_options", Frame().with_options(4), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_MATCH},
	{"match_ip_options_max", Frame().with_options(40), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_MATCH},
	{"match_ethernet_padding", Frame().with_payload(2).with_trailer(16), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_MATCH},
	{"match_dont_fragment", Frame().with_frag_off(df), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_MATCH},

	// UDP no rule wants.
	{"unmatched_port", Frame().to("239.1.1.1", 5001), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_OTHER},
	{"unmatched_group", Frame().to("239.9.9.9", 5000), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_OTHER},
	{"unmatched_unicast", Frame().to("198.18.1.1", 7001), af_xdp, XDP_PASS,
	 MCR_XDP_STAT_PASS_OTHER},

	// Strict filter.
	{"strict_unmatched_group", Frame().to("239.9.9.9", 5000), strict, XDP_DROP,
	 MCR_XDP_STAT_DROP_STRICT},
	{"strict_unmatched_port_of_relay_group", Frame().to("239.1.1.1", 5001), strict | af_xdp,
	 XDP_DROP, MCR_XDP_STAT_DROP_STRICT},
	{"strict_unmatched_unicast", Frame().to("198.18.1.1", 7001), strict, XDP_PASS,
	 MCR_XDP_STAT_PASS_OTHER},
	{"strict_link_local_multicast", Frame().to("224.0.0.251", 5353), strict, XDP_PASS,
	 MCR_XDP_STAT_PASS_OTHER},
	{"strict_last_link_local_multicast", Frame().to("224.0.0.255", 5000), strict, XDP_PASS,
	 MCR_XDP_STAT_PASS_OTHER},
	{"strict_first_routable_multicast", Frame().to("224.0.1.0", 5000), strict, XDP_DROP,
	 MCR_XDP_STAT_DROP_STRICT},
	{"strict_match", Frame(), strict, XDP_PASS, MCR_XDP_STAT_PASS_MATCH},
	{"strict_match_af_xdp", Frame(), strict | af_xdp, XDP_PASS, MCR_XDP_STAT_NO_SOCKET},

	// The kernel's traffic.
	{"arp", Frame().with_ethertype(0x0806), strict | af_xdp, XDP_PASS,
	 MCR_XDP_STAT_PASS_NON_IP},
	{"lldp", Frame().with_ethertype(0x88cc), strict | af_xdp, XDP_PASS,
	 MCR_XDP_STAT_PASS_NON_IP},
	{"vlan_arp", Frame().with_vlan(100).with_ethertype(0x0806), strict, XDP_PASS,
	 MCR_XDP_STAT_PASS_NON_IP},
	{"qinq_is_not_parsed", Frame().with_vlan(100).with_ethertype(0x8100), strict, XDP_PASS,
	 MCR_XDP_STAT_PASS_NON_IP},
	{"icmp_to_relay_group", Frame().with_protocol(ip_icmp), strict | af_xdp, XDP_PASS,
	 MCR_XDP_STAT_PASS_OTHER},
	{"igmp_report_link_local", Frame().with_protocol(ip_igmp).to("224.0.0.22", 0), strict,
	 XDP_PASS, MCR_XDP_STAT_PASS_OTHER},
	{"igmp_to_routable_group", Frame().with_protocol(ip_igmp).to("239.9.9.9", 0), strict,
	 XDP_PASS, MCR_XDP_STAT_PASS_OTHER},
	{"tcp_to_relay_flow", Frame().with_protocol(ip_tcp).to("198.18.1.1", 7000),
	 strict | af_xdp, XDP_PASS, MCR_XDP_STAT_PASS_OTHER},
	{"tcp_fragment_to_relay_group", Frame().with_protocol(ip_tcp).with_frag_off(mf), af_packet,
	 XDP_PASS, MCR_XDP_STAT_PASS_OTHER},

	// 802.1Q.
	{"vlan_match", Frame().with_vlan(100).to("239.1.1.3", 6000), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_MATCH},
	{"vlan_match_priority_bits", Frame().with_vlan(0xa000 | 100).to("239.1.1.3", 6000),
	 af_packet, XDP_PASS, MCR_XDP_STAT_PASS_MATCH},
	{"vlan_match_ip_options", Frame().with_vlan(100).to("239.1.1.3", 6000).with_options(8),
	 af_packet, XDP_PASS, MCR_XDP_STAT_PASS_MATCH},
	{"vlan_other_vid", Frame().with_vlan(101).to("239.1.1.3", 6000), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_OTHER},
	{"vlan_rule_untagged_frame", Frame().to("239.1.1.3", 6000), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_OTHER},
	{"untagged_rule_tagged_frame", Frame().with_vlan(100), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_OTHER},
	{"untagged_rule_priority_tagged_frame", Frame().with_vlan(0x6000), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_MATCH},

	// Truncated at each layer (Ethernet: see RuntFrameNeverReachesTheProgram).
	// Frames cut before the IPv4 addresses cannot say where they were
	// going, so the kernel gets them.
	{"truncated_vlan_tag", Frame().with_vlan(100).cut_at(16), strict, XDP_PASS,
	 MCR_XDP_STAT_PASS_MALFORMED},
	{"truncated_ipv4_header", Frame().cut_at(14 + 19), strict, XDP_PASS,
	 MCR_XDP_STAT_PASS_MALFORMED},
	{"truncated_ipv4_header_after_vlan", Frame().with_vlan(100).cut_at(18 + 19), strict,
	 XDP_PASS, MCR_XDP_STAT_PASS_MALFORMED},
	{"truncated_ip_options", Frame().with_options(40).cut_at(14 + 30), af_packet, XDP_DROP,
	 MCR_XDP_STAT_DROP_MALFORMED},
	// Frame shorter than the IP total length: judged by destination only.
	{"frame_cut_inside_udp_relay_group", Frame().cut_at(14 + 20 + 6), af_packet, XDP_DROP,
	 MCR_XDP_STAT_DROP_MALFORMED},
	{"frame_cut_inside_udp_other_group", Frame().to("239.9.9.9", 5000).cut_at(14 + 20 + 6),
	 af_packet, XDP_PASS, MCR_XDP_STAT_PASS_MALFORMED},
	{"frame_cut_inside_payload_relay_group", Frame().cut_at(14 + 20 + 8 + 10), af_packet,
	 XDP_DROP, MCR_XDP_STAT_DROP_MALFORMED},
	// Datagram too short for its UDP header but port readable: by rule.
	{"udp_header_short_match", Frame().with_l4_bytes(4), af_xdp, XDP_DROP,
	 MCR_XDP_STAT_DROP_MALFORMED},
	{"udp_header_short_other_port", Frame().to("239.1.1.1", 5001).with_l4_bytes(4), af_packet,
	 XDP_PASS, MCR_XDP_STAT_PASS_MALFORMED},
	{"udp_header_short_strict_other_group", Frame().to("239.9.9.9", 5000).with_l4_bytes(6),
	 strict, XDP_DROP, MCR_XDP_STAT_DROP_STRICT},
	// Port unreadable: by destination.
	{"udp_header_no_port_relay_group", Frame().with_l4_bytes(2), af_packet, XDP_DROP,
	 MCR_XDP_STAT_DROP_MALFORMED},
	{"udp_header_no_port_other_group", Frame().to("239.9.9.9", 5000).with_l4_bytes(2),
	 af_packet, XDP_PASS, MCR_XDP_STAT_PASS_MALFORMED},
	{"udp_header_empty_relay_unicast", Frame().to("198.18.1.1", 7000).with_l4_bytes(0),
	 af_packet, XDP_DROP, MCR_XDP_STAT_DROP_MALFORMED},
	{"udp_length_beyond_datagram", Frame().with_udp_length(8 + 33), af_packet, XDP_DROP,
	 MCR_XDP_STAT_DROP_MALFORMED},
	{"udp_length_below_header", Frame().with_udp_length(7), af_packet, XDP_DROP,
	 MCR_XDP_STAT_DROP_MALFORMED},
	{"udp_length_bad_other_port", Frame().to("239.1.1.1", 5001).with_udp_length(7), af_packet,
	 XDP_PASS, MCR_XDP_STAT_PASS_MALFORMED},
	{"udp_length_shorter_than_datagram", Frame().with_udp_length(8 + 16), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_MATCH},

	// Broken IPv4 headers: by destination.
	{"bad_ihl_relay_group", Frame().with_ihl(4), af_packet, XDP_DROP,
	 MCR_XDP_STAT_DROP_MALFORMED},
	{"bad_ihl_zero_relay_unicast", Frame().to("198.18.1.1", 7000).with_ihl(0), af_packet,
	 XDP_DROP, MCR_XDP_STAT_DROP_MALFORMED},
	{"bad_ihl_other_group", Frame().to("239.9.9.9", 5000).with_ihl(4), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_MALFORMED},
	{"bad_ihl_strict_other_group", Frame().to("239.9.9.9", 5000).with_ihl(4), strict, XDP_DROP,
	 MCR_XDP_STAT_DROP_STRICT},
	{"ihl_beyond_frame_relay_group", Frame().with_ihl(15).with_payload(0), af_packet, XDP_DROP,
	 MCR_XDP_STAT_DROP_MALFORMED},
	{"bad_version_relay_group", Frame().with_version(6), af_packet, XDP_DROP,
	 MCR_XDP_STAT_DROP_MALFORMED},
	{"total_length_below_header", Frame().with_total_length(19), af_packet, XDP_DROP,
	 MCR_XDP_STAT_DROP_MALFORMED},
	{"total_length_beyond_frame", Frame().with_total_length(20 + 8 + 33), af_packet, XDP_DROP,
	 MCR_XDP_STAT_DROP_MALFORMED},

	// Fragments go where their destination does: mcr reassembles them.
	{"first_fragment_match", Frame().with_frag_off(mf), af_xdp, XDP_PASS,
	 MCR_XDP_STAT_NO_SOCKET},
	{"first_fragment_other_port", Frame().to("239.1.1.1", 5001).with_frag_off(mf), af_packet,
	 XDP_PASS, MCR_XDP_STAT_PASS_MATCH},
	{"first_fragment_strict_other_group", Frame().to("239.9.9.9", 5000).with_frag_off(mf),
	 strict, XDP_DROP, MCR_XDP_STAT_DROP_STRICT},
	{"first_fragment_unicast_match", Frame().to("198.18.1.1", 7000).with_frag_off(mf | df),
	 af_packet, XDP_PASS, MCR_XDP_STAT_PASS_MATCH},
	{"middle_fragment_relay_group", Frame().with_frag_off(mf | 185), af_packet, XDP_PASS,
	 MCR_XDP_STAT_PASS_MATCH},
	{"last_fragment_relay_group", Frame().with_frag_off(370), af_xdp, XDP_PASS,
	 MCR_XDP_STAT_NO_SOCKET},
	{"last_fragment_other_group", Frame().to("239.9.9.9", 5000).with_frag_off(370), af_packet,
	 XDP_PASS, MCR_XDP_STAT_PASS_OTHER},
	{"last_fragment_strict_other_group", Frame().to("239.9.9.9", 5000).with_frag_off(370),
	 strict, XDP_DROP, MCR_XDP_STAT_DROP_STRICT},
	{"later_fragment_relay_unicast_address", Frame().to("198.18.1.1", 7000).with_frag_off(185),
	 strict, XDP_PASS, MCR_XDP_STAT_PASS_MATCH},
	{"first_fragment_cut_before_port", Frame().with_frag_off(mf).with_l4_bytes(2), af_packet,
	 XDP_DROP, MCR_XDP_STAT_DROP_FRAGMENT},
	{"later_fragment_other_unicast_address", Frame().to("198.18.1.2", 7000).with_frag_off(185),
	 strict, XDP_PASS, MCR_XDP_STAT_PASS_OTHER},
	{"fragment_bad_ihl_relay_group", Frame().with_frag_off(mf).with_ihl(3), af_packet,
	 XDP_DROP, MCR_XDP_STAT_DROP_MALFORMED},
};

// IPv6 rules too: IPv4 verdicts must not depend on them.
class XdpVerdict : public VerdictTable<VerdictCase> {};

TEST_P(XdpVerdict, ActionAndCounter)
{
	expect_verdict();
}

INSTANTIATE_TEST_SUITE_P(Frames, XdpVerdict, ::testing::ValuesIn(cases),
			 [](const ::testing::TestParamInfo<VerdictCase> &info) {
				 return std::string(info.param.name);
			 });

// The kernel hands XDP no frame shorter than an Ethernet header, and
// BPF_PROG_TEST_RUN refuses one likewise, so the program's Ethernet bounds
// check (which the verifier demands) cannot be driven from here.
TEST(XdpVerdictTable, RuntFrameNeverReachesTheProgram)
{
	MCR_REQUIRE_XDP_HARNESS();
	const auto runt = Frame().cut_at(13).bytes();
	auto action = run_frame(XdpHarness::get().program_fd(), runt);
	ASSERT_FALSE(action);
	EXPECT_EQ(action.error().code, -EINVAL);
}

// Every verdict is reachable from the table, so no counter is dead code
// (the IPv6 ones: test_xdp_verdicts6.cpp).
TEST(XdpVerdictTable, CoversEveryCounterButRedirect)
{
	bool seen[MCR_XDP_STAT__COUNT] = {};
	for (const VerdictCase &c : cases)
		seen[c.stat] = true;
	for (int stat = 0; stat < MCR_XDP_STAT_IPV6_REDIRECT; ++stat) {
		// Needs a bound AF_XDP socket: test_xdp_attach.cpp covers it.
		if (stat == MCR_XDP_STAT_REDIRECT)
			continue;
		EXPECT_TRUE(seen[stat]) << xdp_stat_name(static_cast<mcr_xdp_stat>(stat));
	}
}

} // namespace
} // namespace mcr::bpf::test
