// Received UDP checksums: whole, absent, partial (a local sender's
// CHECKSUM_PARTIAL) and wrong, checked against the test's own RFC 1071
// arithmetic (frame_builder.h), and carried through a rewrite.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "frame_builder.h"
#include "packet/parse.h"
#include "packet/rewrite.h"
#include "packet/udp_checksum.h"

namespace mcr::packet {
namespace {

using test::Bytes;
using test::FrameBuilder;
using test::get16;
using test::ipv4;
using test::net16;
using test::net32;
using Mode = FrameBuilder::UdpChecksum;

struct Parsed {
	Bytes frame;
	ParsedPacket pkt{};
};

Parsed parsed(const FrameBuilder &b)
{
	Parsed p{b.build(), {}};
	EXPECT_EQ(parse_frame(p.frame.data(), uint32_t(p.frame.size()), p.pkt), DropReason::none);
	return p;
}

uint16_t field_of(const Parsed &p)
{
	return get16(&p.frame[p.pkt.l4_offset + 6]);
}

// The checksum a correct sender would have written for the same datagram.
uint16_t whole_checksum(FrameBuilder b)
{
	b.udp_checksum_mode = Mode::compute;
	const Bytes f = b.build();
	return get16(&f[b.l4_offset() + 6]);
}

uint16_t host(uint16_t net)
{
	return rte_be_to_cpu_16(net);
}

TEST(UdpChecksum, WholeChecksumIsKeptAndVerifies)
{
	FrameBuilder b;
	const Parsed p = parsed(b);
	EXPECT_FALSE(udp_checksum_is_partial(p.frame.data(), p.pkt, net16(field_of(p))));
	EXPECT_EQ(host(received_udp_checksum(p.frame.data(), p.pkt)), field_of(p));
	EXPECT_TRUE(udp_checksum_ok(p.frame.data(), p.pkt));
}

TEST(UdpChecksum, PartialSumIsRecognisedAndFinished)
{
	for (size_t len : {0, 1, 17, 18, 1400, 1471}) {
		SCOPED_TRACE(len);
		FrameBuilder b;
		b.with_payload_len(len);
		b.udp_checksum_mode = Mode::partial;
		const Parsed p = parsed(b);
		ASSERT_NE(field_of(p), whole_checksum(b)) << "the partial sum must differ for the test to mean anything";
		EXPECT_TRUE(udp_checksum_is_partial(p.frame.data(), p.pkt, net16(field_of(p))));
		EXPECT_EQ(host(received_udp_checksum(p.frame.data(), p.pkt)), whole_checksum(b));
		EXPECT_TRUE(udp_checksum_ok(p.frame.data(), p.pkt));
	}
}

TEST(UdpChecksum, ZeroMeansNoneAndIsNeverFinished)
{
	FrameBuilder b;
	b.udp_checksum_mode = Mode::zero;
	const Parsed p = parsed(b);
	EXPECT_FALSE(udp_checksum_is_partial(p.frame.data(), p.pkt, 0));
	EXPECT_EQ(received_udp_checksum(p.frame.data(), p.pkt), 0);
	EXPECT_TRUE(udp_checksum_ok(p.frame.data(), p.pkt));
}

TEST(UdpChecksum, WrongChecksumFailsVerifyAndIsCarriedAsIs)
{
	FrameBuilder b;
	b.udp_checksum = uint16_t(whole_checksum(b) ^ 0x0100);
	const Parsed p = parsed(b);
	EXPECT_FALSE(udp_checksum_ok(p.frame.data(), p.pkt));
	EXPECT_EQ(host(received_udp_checksum(p.frame.data(), p.pkt)), *b.udp_checksum);
}

TEST(UdpChecksum, PayloadCorruptedAfterSendingFailsVerify)
{
	FrameBuilder b;
	b.with_payload_len(200);
	Parsed p = parsed(b);
	p.frame[p.pkt.l4_offset + 8 + 100] ^= 0x40;
	EXPECT_FALSE(udp_checksum_ok(p.frame.data(), p.pkt));
}

// The claim the partial-sum test rests on: a whole checksum that happens
// to equal its datagram's pseudo-header sum is taken for a partial one,
// and finishing it gives that same checksum back. Such datagrams are made
// by choosing the first payload word.
TEST(UdpChecksum, WholeChecksumEqualToItsPseudoSumIsLeftAsItIs)
{
	std::mt19937 rng(12);
	int tested = 0;
	for (int i = 0; i < 500; i++) {
		FrameBuilder b;
		b.src_ip = rng();
		b.dst_ip = ipv4(239, 0, 0, 0) | (rng() & 0xffffff);
		b.src_port = uint16_t(rng());
		b.dst_port = uint16_t(rng());
		b.payload.resize(2 + rng() % 300);
		for (auto &byte : b.payload)
			byte = uint8_t(rng());
		b.payload[0] = b.payload[1] = 0;
		const Bytes zero_word = b.build();
		const uint16_t c0 = get16(&zero_word[b.l4_offset() + 6]);
		const uint16_t partial =
			test::partial_udp_checksum(&zero_word[b.l3_offset()], &zero_word[b.l4_offset()]);
		// fold(S) = ~c0; the word x that makes ~fold(S + x) == partial.
		const uint16_t x = test::fold(uint32_t(uint16_t(~partial)) + c0);
		b.payload[0] = uint8_t(x >> 8);
		b.payload[1] = uint8_t(x);
		const Parsed p = parsed(b);
		if (field_of(p) != partial)
			continue; // 0xffff for 0: the zero rule made them differ
		ASSERT_TRUE(udp_checksum_is_partial(p.frame.data(), p.pkt, net16(field_of(p)))) << i;
		ASSERT_EQ(host(received_udp_checksum(p.frame.data(), p.pkt)), field_of(p)) << i;
		ASSERT_TRUE(udp_checksum_ok(p.frame.data(), p.pkt)) << i;
		tested++;
	}
	EXPECT_GT(tested, 490);
}

// A partial checksum relayed with rewritten addresses and port leaves with
// the checksum a sender of the rewritten datagram would have computed.
TEST(UdpChecksum, RewriteOfAPartialSumSendsAWholeChecksum)
{
	FrameBuilder b;
	b.with_payload_len(333);
	b.udp_checksum_mode = Mode::partial;
	const Parsed p = parsed(b);

	OutputRewrite out{};
	out.src_ip = net32(ipv4(198, 18, 2, 1));
	out.dst_ip = net32(ipv4(239, 2, 2, 2));
	out.dst_port = net16(6000);
	Bytes sent(max_output_header_len + payload_len(p.pkt));
	const RewriteResult r = write_output_headers(p.frame.data(), p.pkt, out, sent.data());
	ASSERT_EQ(r.drop, DropReason::none);
	std::memcpy(sent.data() + r.header_len, p.frame.data() + payload_offset(p.pkt), payload_len(p.pkt));
	sent.resize(r.header_len + payload_len(p.pkt));
	const uint8_t *ip = &sent[14];
	EXPECT_EQ(get16(ip + 20 + 6), test::reference_udp_checksum(ip, ip + 20));
}

} // namespace
} // namespace mcr::packet
