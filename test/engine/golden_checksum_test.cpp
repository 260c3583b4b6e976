// Golden pcaps for received UDP checksums: partial sums from local senders
// leave whole on every kind of output (copy, clone, in place), a port with
// `udp_checksum: verify` drops wrong ones and relays the rest, and with
// `keep` a wrong checksum stays wrong, so the receiver still sees the error.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "golden_common.h"

namespace mcr::engine::test {
namespace {

// A payload byte flipped after the checksum was computed: what a bad link
// or a bad buffer does to a datagram.
Bytes corrupted(const UdpFrame &f)
{
	Bytes b = build_frame(f);
	b[14 + 20 + 8 + 9] ^= 0x10;
	return b;
}

// Rule with a copy (out1), a clone (out0, large packets) and the in-place
// last output (out1 again).
config::Rule three_outputs()
{
	return make_rule("csum", group_1, 5000,
			 {{.port = "out1", .dst = config::Prefix::host(out_group_b), .dport = 6001},
			  {.port = "out0", .dst = config::Prefix::host(out_group_a), .dport = 6000},
			  {.port = "out1", .dst = config::Prefix::host(unicast_dst), .dport = 7000, .mac = unicast_next_hop}});
}

std::vector<std::vector<UdpFrame>> expected_outputs(const std::vector<UdpFrame> &sent)
{
	std::vector<UdpFrame> out0, out1;
	for (const UdpFrame &f : sent) {
		out1.push_back(relayed(f, {group_mac(out_group_b), out1_mac, out1_ip, out_group_b, 6001}));
		out0.push_back(relayed(f, {group_mac(out_group_a), out0_mac, out0_ip, out_group_a, 6000}));
		out1.push_back(relayed(f, {unicast_next_hop, out1_mac, out1_ip, unicast_dst, 7000}));
	}
	return {out0, out1};
}

PortPlan chaining(PortPlan p)
{
	p.multi_seg_tx = true;
	return p;
}

TEST(GoldenPcapChecksum, PartialSumsFromLocalSendersLeaveWhole)
{
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 8; seq++) {
		UdpFrame f = flow_frame(1, seq, seq % 2 ? 1200 : 60 + seq);
		f.partial_udp_checksum = true;
		sent.push_back(f);
	}
	EngineParams params;
	params.copy_threshold = 200;
	RelayHarness h({ingress(sent), chaining(egress("out0")), egress("out1")}, params);
	add_rule(h, three_outputs());

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	// expect_frame compares the UDP checksum with a sender's and verifies
	// it over the pseudo-header.
	const auto want = expected_outputs(sent);
	expect_sent(h, "out0", want[0], "out0 (copies and clones)");
	expect_sent(h, "out1", want[1], "out1 (copies and in place)");
	expect_drops(h, {});
}

TEST(GoldenPcapChecksum, VerifyDropsWrongChecksumsAndRelaysTheRest)
{
	std::vector<Bytes> frames;
	std::vector<UdpFrame> relayed_ok;
	uint64_t wrong = 0;
	for (uint32_t seq = 0; seq < 12; seq++) {
		UdpFrame f = flow_frame(1, seq, seq % 3 ? 300 : 64);
		switch (seq % 4) {
		case 0: // whole
			break;
		case 1: // partial: a local sender's, cannot be checked, relayed
			f.partial_udp_checksum = true;
			break;
		case 2: // none: IPv4 allows it
			f.with_udp_checksum = false;
			break;
		case 3:
			frames.push_back(corrupted(f));
			wrong++;
			continue;
		}
		frames.push_back(build_frame(f));
		relayed_ok.push_back(f);
	}
	PortPlan in = ingress_bytes(frames);
	in.verify_udp_checksum = true;
	EngineParams params;
	params.copy_threshold = 200;
	RelayHarness h({in, chaining(egress("out0")), egress("out1")}, params);
	add_rule(h, three_outputs());

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), frames.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	const auto want = expected_outputs(relayed_ok);
	expect_sent(h, "out0", want[0], "out0");
	expect_sent(h, "out1", want[1], "out1");
	expect_drops(h, {{DropReason::bad_udp_checksum, wrong}});
	EXPECT_EQ(published(h, three_outputs()).counters(0).packets.get(), relayed_ok.size());
}

TEST(GoldenPcapChecksum, KeepCarriesAWrongChecksumSoTheReceiverSeesIt)
{
	std::vector<Bytes> frames;
	for (uint32_t seq = 0; seq < 6; seq++)
		frames.push_back(corrupted(flow_frame(1, seq, seq % 2 ? 1200 : 80)));
	EngineParams params;
	params.copy_threshold = 200;
	RelayHarness h({ingress_bytes(frames), chaining(egress("out0")), egress("out1")}, params);
	add_rule(h, three_outputs());

	EXPECT_EQ(h.poll_until_idle(), frames.size());
	h.flush();
	expect_drops(h, {});
	for (const std::string port : {"out0", "out1"}) {
		const std::vector<Bytes> out = h.sent_on(port);
		EXPECT_EQ(out.size(), port == "out0" ? frames.size() : 2 * frames.size()) << port;
		for (const Bytes &b : out) {
			std::string why;
			const auto d = decode_frame(b, &why);
			ASSERT_TRUE(d) << why;
			EXPECT_NE(d->udp_checksum, d->udp_checksum_recomputed)
				<< port << ": a corrupted datagram left with a valid checksum";
		}
	}
}

} // namespace
} // namespace mcr::engine::test
