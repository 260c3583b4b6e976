// Golden pcaps for an output's source address and DSCP: `src: keep` sends
// with each packet's own source, `src: A.B.C.D` with that address, `dscp`
// replaces the upper six TOS bits and keeps ECN; on every way an output is
// made (copy, clone, the received mbuf rewritten in place), with both
// checksums checked from scratch by expect_flows.
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "golden_common.h"

namespace mcr::engine::test {
namespace {

constexpr uint32_t given_source = ipv4(198, 18, 3, 77);

// Frames from three sources, each TOS (DSCP and ECN) different, small
// (copied) and large (cloned), one without a UDP checksum.
std::vector<UdpFrame> mixed_frames()
{
	const uint32_t sources[] = {source_1, source_2, source_3};
	const uint8_t tos[] = {0x00, 0x01, 0x2e, 0xb8, 0x6b, 0xff};
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 12; seq++) {
		UdpFrame f = flow_frame(1 + seq % 3, seq, seq % 2 ? 1200 : 40);
		f.src_ip = sources[seq % 3];
		f.tos = tos[seq % 6];
		f.with_udp_checksum = seq != 7;
		sent.push_back(f);
	}
	return sent;
}

TEST(GoldenOutputFields, SourceAndDscpOnCopiesClonesAndInPlace)
{
	const std::vector<UdpFrame> sent = mixed_frames();
	EngineParams params;
	params.copy_threshold = 200;
	PortPlan out0 = egress("out0");
	out0.multi_seg_tx = true;
	RelayHarness h({ingress(sent), out0, egress("out1")}, params);
	const config::Rule rule = make_rule("fields", group_1, 5000,
		{{.port = "out0", .dst = config::Prefix::host(out_group_a), .dport = 6000,
		  .src = config::OutputSource::keep()},
		 {.port = "out0", .dst = config::Prefix::host(out_group_b), .dport = 6001, .dscp = 46},
		 {.port = "out1", .dst = config::Prefix::host(unicast_dst), .dport = 7000, .mac = unicast_next_hop,
		  .src = config::OutputSource::given(given_source), .dscp = 0}});
	add_rule(h, rule);

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	// Per packet: two outputs on out0 (6 small copies each, the 6 large ones
	// sharing one clone with a header mbuf each), the last in place.
	EXPECT_EQ(h.pool_in_use(),
		  plus(before, {{"small", 12}, {"large", 12}, {"clone", 6}, {"header", 12}}));
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want_out0, want_out1;
	for (const UdpFrame &f : sent) {
		want_out0.push_back(relayed(f, {group_mac(out_group_a), out0_mac, f.src_ip, out_group_a,
						6000}));
		want_out0.push_back(relayed(f, {.dst_mac = group_mac(out_group_b), .src_mac = out0_mac,
						.src_ip = out0_ip, .dst_ip = out_group_b, .dst_port = 6001,
						.dscp = 46}));
		want_out1.push_back(relayed(f, {.dst_mac = unicast_next_hop, .src_mac = out1_mac,
						.src_ip = given_source, .dst_ip = unicast_dst,
						.dst_port = 7000, .dscp = 0}));
	}
	expect_sent(h, "out0", want_out0, "out0: source kept (copies, clones); DSCP 46");
	expect_sent(h, "out1", want_out1, "out1 (in place): source given, DSCP 0");
	expect_drops(h, {});
}

} // namespace
} // namespace mcr::engine::test
