// write_output_headers checked field by field, with both checksums verified
// by the test's own full computation over the finished output frame.
#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "drop_reason_print.h"
#include "frame_builder.h"
#include "packet/parse.h"
#include "packet/rewrite.h"

namespace mcr::packet {
namespace {

using test::Bytes;
using test::FrameBuilder;
using test::get16;
using test::get32;
using test::ipv4;
using test::net16;
using test::net32;

constexpr rte_ether_addr out_dst_mac{{0x01, 0x00, 0x5e, 0x02, 0x02, 0x02}};
constexpr rte_ether_addr out_src_mac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x99}};

OutputRewrite make_output()
{
	OutputRewrite out{};
	out.dst_mac = out_dst_mac;
	out.src_mac = out_src_mac;
	out.src_ip = net32(ipv4(198, 18, 2, 1));
	out.dst_ip = net32(ipv4(239, 2, 2, 2));
	out.dst_port = net16(6000);
	return out;
}

// An output frame the way the worker's copy path makes it: headers, then
// the received payload.
struct Relayed {
	DropReason drop = DropReason::none;
	uint16_t header_len = 0;
	Bytes frame;
};

Relayed relay(const Bytes &in, const OutputRewrite &out)
{
	ParsedPacket pkt{};
	Relayed r;
	r.drop = parse_frame(in.data(), uint32_t(in.size()), pkt);
	if (r.drop != DropReason::none)
		return r;
	r.frame.assign(max_output_header_len + payload_len(pkt), 0xee);
	const RewriteResult res = write_output_headers(in.data(), pkt, out, r.frame.data());
	r.drop = res.drop;
	r.header_len = res.header_len;
	if (res.drop != DropReason::none)
		return r;
	std::memcpy(r.frame.data() + res.header_len, in.data() + payload_offset(pkt), payload_len(pkt));
	r.frame.resize(res.header_len + payload_len(pkt));
	return r;
}

size_t l3_of(const Bytes &f)
{
	return get16(&f[12]) == 0x8100 ? 18 : 14;
}

// Both checksums of an output frame, recomputed in full.
void expect_checksums_valid(const Bytes &f)
{
	const uint8_t *ip = &f[l3_of(f)];
	const uint8_t *udp = ip + 20;
	EXPECT_EQ(get16(ip + 10), test::reference_ipv4_checksum(ip, 20)) << "IPv4 header checksum";
	if (get16(udp + 6) != 0) {
		EXPECT_EQ(get16(udp + 6), test::reference_udp_checksum(ip, udp)) << "UDP checksum";
	}
}

TEST(Rewrite, WritesEveryField)
{
	FrameBuilder b;
	b.with_payload_len(100);
	b.ttl = 64;
	b.tos = 0xb8;
	b.id = 0xbeef;
	b.flags_offset = 0x4000;
	const Bytes in = b.build();

	const Relayed r = relay(in, make_output());
	ASSERT_EQ(r.drop, DropReason::none);
	ASSERT_EQ(r.header_len, 14 + 20 + 8);
	ASSERT_EQ(r.header_len, output_header_len(make_output()));
	const Bytes &f = r.frame;
	ASSERT_EQ(f.size(), 42u + 100u);

	EXPECT_EQ(0, std::memcmp(&f[0], out_dst_mac.addr_bytes, 6));
	EXPECT_EQ(0, std::memcmp(&f[6], out_src_mac.addr_bytes, 6));
	EXPECT_EQ(get16(&f[12]), 0x0800);

	const uint8_t *ip = &f[14];
	EXPECT_EQ(ip[0], 0x45);
	EXPECT_EQ(ip[1], 0xb8);              // TOS kept
	EXPECT_EQ(get16(ip + 2), 20 + 8 + 100); // total length
	EXPECT_EQ(get16(ip + 4), 0xbeef);     // id kept
	EXPECT_EQ(get16(ip + 6), 0x4000);     // DF kept
	EXPECT_EQ(ip[8], 63);                 // TTL decremented
	EXPECT_EQ(ip[9], 17);
	EXPECT_EQ(get32(ip + 12), ipv4(198, 18, 2, 1));
	EXPECT_EQ(get32(ip + 16), ipv4(239, 2, 2, 2));

	const uint8_t *udp = ip + 20;
	EXPECT_EQ(get16(udp + 0), 40000);     // source port kept
	EXPECT_EQ(get16(udp + 2), 6000);
	EXPECT_EQ(get16(udp + 4), 8 + 100);   // UDP length kept
	EXPECT_NE(get16(udp + 6), 0);
	expect_checksums_valid(f);

	EXPECT_EQ(0, std::memcmp(&f[42], b.payload.data(), b.payload.size()));
}

TEST(Rewrite, OutputParsesBackToTheNewValues)
{
	FrameBuilder b;
	const Relayed r = relay(b.build(), make_output());
	ASSERT_EQ(r.drop, DropReason::none);
	ParsedPacket pkt{};
	ASSERT_EQ(parse_frame(r.frame.data(), uint32_t(r.frame.size()), pkt), DropReason::none);
	EXPECT_EQ(pkt.src_ip, net32(ipv4(198, 18, 2, 1)));
	EXPECT_EQ(pkt.dst_ip, net32(ipv4(239, 2, 2, 2)));
	EXPECT_EQ(pkt.dst_port, net16(6000));
	EXPECT_EQ(pkt.src_port, net16(40000));
	EXPECT_EQ(pkt.ttl, 63);
}

TEST(Rewrite, KeepsDestinationAndPortWhenZero)
{
	FrameBuilder b;
	b.dst_ip = ipv4(239, 7, 7, 7);
	b.dst_port = 5555;
	OutputRewrite out = make_output();
	out.dst_ip = 0;
	out.dst_port = 0;
	const Relayed r = relay(b.build(), out);
	ASSERT_EQ(r.drop, DropReason::none);
	EXPECT_EQ(get32(&r.frame[14 + 16]), ipv4(239, 7, 7, 7));
	EXPECT_EQ(get16(&r.frame[34 + 2]), 5555);
	EXPECT_EQ(get32(&r.frame[14 + 12]), ipv4(198, 18, 2, 1)); // source still rewritten
	expect_checksums_valid(r.frame);

	out.dst_port = net16(6000); // only the address kept
	const Relayed r2 = relay(b.build(), out);
	EXPECT_EQ(get32(&r2.frame[14 + 16]), ipv4(239, 7, 7, 7));
	EXPECT_EQ(get16(&r2.frame[34 + 2]), 6000);
	expect_checksums_valid(r2.frame);
}

TEST(Rewrite, UnchangedAddressesKeepTheChecksum)
{
	FrameBuilder b;
	const Bytes in = b.build();
	OutputRewrite out = make_output();
	out.src_ip = net32(b.src_ip);
	out.dst_ip = 0;
	out.dst_port = 0;
	const Relayed r = relay(in, out);
	ASSERT_EQ(r.drop, DropReason::none);
	EXPECT_EQ(get16(&r.frame[34 + 6]), get16(&in[34 + 6]));
}

TEST(Rewrite, ZeroUdpChecksumStaysZero)
{
	FrameBuilder b;
	b.udp_checksum_mode = FrameBuilder::UdpChecksum::zero;
	const Relayed r = relay(b.build(), make_output());
	ASSERT_EQ(r.drop, DropReason::none);
	EXPECT_EQ(get16(&r.frame[34 + 6]), 0);
	EXPECT_EQ(get16(&r.frame[14 + 10]), test::reference_ipv4_checksum(&r.frame[14], 20));
}

// Picks a payload word that makes the output datagram sum to zero, so the
// updated checksum comes out as 0 and must be sent as 0xffff.
TEST(Rewrite, ComputedZeroIsSentAsAllOnes)
{
	FrameBuilder b;
	b.payload = Bytes(2, 0);
	const OutputRewrite out = make_output();
	const Relayed probe = relay(b.build(), out);
	ASSERT_EQ(probe.drop, DropReason::none);

	// Sum of the output pseudo-header and datagram without the checksum field.
	const uint8_t *ip = &probe.frame[14];
	const uint8_t *udp = ip + 20;
	uint32_t sum = test::be_word_sum(ip + 12, 8) + 17 + get16(udp + 4);
	sum = test::be_word_sum(udp, 6, sum);
	const uint16_t w = uint16_t(~test::fold(sum));
	b.payload = {uint8_t(w >> 8), uint8_t(w)};
	const Bytes in = b.build();
	ASSERT_NE(get16(&in[34 + 6]), 0) << "input must carry a checksum";

	const Relayed r = relay(in, out);
	ASSERT_EQ(r.drop, DropReason::none);
	EXPECT_EQ(get16(&r.frame[34 + 6]), 0xffff);
	expect_checksums_valid(r.frame);
}

// An input whose own checksum is sent as 0xffff (computed zero) still
// updates correctly.
TEST(Rewrite, AllOnesInputChecksumUpdates)
{
	FrameBuilder b;
	b.payload = Bytes(2, 0);
	const Bytes probe = b.build();
	const uint16_t c = get16(&probe[34 + 6]);
	// The probe sums to ~c without its checksum field; a payload word of c
	// takes the datagram's sum to zero.
	const uint16_t w = c;
	b.payload = {uint8_t(w >> 8), uint8_t(w)};
	const Bytes in = b.build();
	ASSERT_EQ(get16(&in[34 + 6]), 0xffff);

	const Relayed r = relay(in, make_output());
	ASSERT_EQ(r.drop, DropReason::none);
	expect_checksums_valid(r.frame);
}

// The update is incremental on purpose: a datagram damaged before the relay
// must still fail the receiver's check after it.
TEST(Rewrite, WrongUdpChecksumStaysWrongBySameAmount)
{
	FrameBuilder b;
	Bytes in = b.build();
	const uint16_t good = get16(&in[34 + 6]);
	const uint16_t bad = uint16_t(good == 0x1234 ? 0x4321 : 0x1234);
	in[34 + 6] = uint8_t(bad >> 8);
	in[34 + 7] = uint8_t(bad);

	const Relayed r = relay(in, make_output());
	ASSERT_EQ(r.drop, DropReason::none);
	const uint8_t *ip = &r.frame[14];
	EXPECT_NE(get16(ip + 20 + 6), test::reference_udp_checksum(ip, ip + 20));
}

TEST(Rewrite, ManyAddressAndPortCombinationsChecksumCorrectly)
{
	uint32_t seed = 12345;
	auto next = [&] { return seed = seed * 1103515245u + 12345u; };
	for (int i = 0; i < 2000; ++i) {
		FrameBuilder b;
		b.src_ip = next();
		b.dst_ip = next();
		b.src_port = uint16_t(next() >> 8);
		b.dst_port = uint16_t(next() >> 8);
		b.with_payload_len(next() % 64);
		b.payload.push_back(uint8_t(next() >> 16));
		OutputRewrite out = make_output();
		out.src_ip = next();
		out.dst_ip = (i % 3 == 0) ? 0 : next();
		out.dst_port = (i % 5 == 0) ? 0 : uint16_t(next() >> 8);
		const Relayed r = relay(b.build(), out);
		ASSERT_EQ(r.drop, DropReason::none);
		expect_checksums_valid(r.frame);
		if (HasFailure())
			FAIL() << "iteration " << i;
	}
}

// `src: keep`: the received source goes out, and the UDP checksum, whose
// pseudo-header holds it, stays right.
TEST(Rewrite, KeepSourceSendsFromTheReceivedAddress)
{
	FrameBuilder b;
	b.src_ip = ipv4(198, 18, 1, 2);
	OutputRewrite out = make_output();
	out.src_ip = 0;
	out.keep_src = true;
	const Relayed r = relay(b.build(), out);
	ASSERT_EQ(r.drop, DropReason::none);
	const uint8_t *ip = &r.frame[14];
	EXPECT_EQ(get32(ip + 12), ipv4(198, 18, 1, 2));
	EXPECT_EQ(get32(ip + 16), ipv4(239, 2, 2, 2));
	EXPECT_NE(get16(ip + 20 + 6), 0);
	expect_checksums_valid(r.frame);
}

TEST(Rewrite, GivenSourceIsWrittenAsIs)
{
	FrameBuilder b;
	OutputRewrite out = make_output();
	out.src_ip = net32(ipv4(198, 18, 2, 77));
	const Relayed r = relay(b.build(), out);
	ASSERT_EQ(r.drop, DropReason::none);
	EXPECT_EQ(get32(&r.frame[14 + 12]), ipv4(198, 18, 2, 77));
	expect_checksums_valid(r.frame);
}

// The DSCP is the upper six bits of TOS; ECN (the lower two) passes through.
TEST(Rewrite, DscpReplacesTheUpperSixTosBitsAndKeepsEcn)
{
	for (uint8_t ecn = 0; ecn < 4; ecn++) {
		for (uint8_t dscp : {0, 10, 46, 63}) {
			FrameBuilder b;
			b.tos = static_cast<uint8_t>((26 << 2) | ecn); // AF31 + ECN as sent
			OutputRewrite out = make_output();
			out.tos_clear = 0xfc;
			out.tos_set = static_cast<uint8_t>(dscp << 2);
			const Relayed r = relay(b.build(), out);
			ASSERT_EQ(r.drop, DropReason::none);
			EXPECT_EQ(r.frame[14], 0x45) << "version and IHL untouched";
			EXPECT_EQ(r.frame[15], (dscp << 2) | ecn) << "dscp " << int(dscp)
								  << " ecn " << int(ecn);
			expect_checksums_valid(r.frame);
		}
	}
}

TEST(Rewrite, TosIsKeptWithoutDscp)
{
	for (uint8_t tos : {0x00, 0x01, 0x2e, 0xb8, 0xff}) {
		FrameBuilder b;
		b.tos = tos;
		const Relayed r = relay(b.build(), make_output());
		ASSERT_EQ(r.drop, DropReason::none);
		EXPECT_EQ(r.frame[15], tos);
		expect_checksums_valid(r.frame);
	}
}

// Source kept or given and DSCP set or not, over many frames: both
// checksums recomputed from scratch must agree with what was written, and
// a frame that arrived with a wrong UDP checksum still leaves with one.
TEST(Rewrite, SourceAndDscpChecksumCorrectlyInEveryCombination)
{
	uint32_t seed = 777;
	auto next = [&] { return seed = seed * 1103515245u + 12345u; };
	for (int i = 0; i < 2000; ++i) {
		FrameBuilder b;
		b.src_ip = next();
		b.dst_ip = next();
		b.tos = uint8_t(next() >> 16);
		b.with_payload_len(next() % 64);
		OutputRewrite out = make_output();
		out.keep_src = i % 2 == 0;
		out.src_ip = out.keep_src ? 0 : next();
		if (i % 3 != 0) {
			out.tos_clear = 0xfc;
			out.tos_set = uint8_t((next() >> 16) & 0xfc);
		}
		const Bytes in = b.build();
		const Relayed r = relay(in, out);
		ASSERT_EQ(r.drop, DropReason::none);
		const uint8_t *ip = &r.frame[14];
		EXPECT_EQ(get32(ip + 12), out.keep_src ? b.src_ip : rte_be_to_cpu_32(out.src_ip));
		EXPECT_EQ(ip[1], (b.tos & ~out.tos_clear) | out.tos_set);
		expect_checksums_valid(r.frame);

		Bytes damaged = in;
		damaged[34 + 7] ^= 0x5a;
		const Relayed d = relay(damaged, out);
		ASSERT_EQ(d.drop, DropReason::none);
		const uint8_t *dip = &d.frame[14];
		EXPECT_NE(get16(dip + 20 + 6), test::reference_udp_checksum(dip, dip + 20));
		if (HasFailure())
			FAIL() << "iteration " << i;
	}
}

TEST(Rewrite, DecrementsTtl)
{
	for (uint8_t ttl : {2, 64, 255}) {
		FrameBuilder b;
		b.ttl = ttl;
		const Relayed r = relay(b.build(), make_output());
		ASSERT_EQ(r.drop, DropReason::none);
		EXPECT_EQ(r.frame[14 + 8], ttl - 1);
		expect_checksums_valid(r.frame);
	}
}

TEST(Rewrite, DropsWhenTtlWouldExpire)
{
	for (uint8_t ttl : {0, 1}) {
		FrameBuilder b;
		b.ttl = ttl;
		const Bytes in = b.build();
		ParsedPacket pkt{};
		ASSERT_EQ(parse_frame(in.data(), uint32_t(in.size()), pkt), DropReason::none);
		uint8_t dst[max_output_header_len];
		std::memset(dst, 0xee, sizeof(dst));
		const RewriteResult res = write_output_headers(in.data(), pkt, make_output(), dst);
		EXPECT_EQ(res.drop, DropReason::ttl_expired) << int(ttl);
		EXPECT_EQ(res.header_len, 0);
		for (uint8_t byte : dst)
			EXPECT_EQ(byte, 0xee) << "nothing written on drop";
	}
}

TEST(Rewrite, SetTtlIsUsedAsIs)
{
	for (uint8_t in_ttl : {0, 1, 64}) {
		FrameBuilder b;
		b.ttl = in_ttl;
		OutputRewrite out = make_output();
		out.ttl = 5;
		const Relayed r = relay(b.build(), out);
		ASSERT_EQ(r.drop, DropReason::none) << int(in_ttl);
		EXPECT_EQ(r.frame[14 + 8], 5);
		expect_checksums_valid(r.frame);
	}
}

TEST(Rewrite, TaggedInUntaggedOut)
{
	FrameBuilder b;
	b.tags = {{0x8100, 100}};
	b.with_payload_len(30);
	OutputRewrite out = make_output();
	out.vlan = 0;
	const Relayed r = relay(b.build(), out);
	ASSERT_EQ(r.drop, DropReason::none);
	EXPECT_EQ(r.header_len, 42);
	EXPECT_EQ(get16(&r.frame[12]), 0x0800);
	EXPECT_EQ(r.frame[14], 0x45);
	EXPECT_EQ(r.frame.size(), 42u + 30u);
	EXPECT_EQ(0, std::memcmp(&r.frame[42], b.payload.data(), 30));
	expect_checksums_valid(r.frame);
}

TEST(Rewrite, UntaggedInTaggedOut)
{
	FrameBuilder b;
	b.with_payload_len(30);
	OutputRewrite out = make_output();
	out.vlan = 200;
	const Relayed r = relay(b.build(), out);
	ASSERT_EQ(r.drop, DropReason::none);
	EXPECT_EQ(r.header_len, 46);
	EXPECT_EQ(r.header_len, output_header_len(out));
	EXPECT_EQ(0, std::memcmp(&r.frame[0], out_dst_mac.addr_bytes, 6));
	EXPECT_EQ(0, std::memcmp(&r.frame[6], out_src_mac.addr_bytes, 6));
	EXPECT_EQ(get16(&r.frame[12]), 0x8100);
	EXPECT_EQ(get16(&r.frame[14]), 200);
	EXPECT_EQ(get16(&r.frame[16]), 0x0800);
	EXPECT_EQ(r.frame[18], 0x45);
	EXPECT_EQ(0, std::memcmp(&r.frame[46], b.payload.data(), 30));
	expect_checksums_valid(r.frame);

	ParsedPacket pkt{};
	ASSERT_EQ(parse_frame(r.frame.data(), uint32_t(r.frame.size()), pkt), DropReason::none);
	EXPECT_EQ(pkt.vlan, 200);
}

TEST(Rewrite, TaggedInTaggedOutTakesTheOutputId)
{
	FrameBuilder b;
	b.tags = {{0x8100, 0xe000 | 100}};
	OutputRewrite out = make_output();
	out.vlan = 300;
	const Relayed r = relay(b.build(), out);
	ASSERT_EQ(r.drop, DropReason::none);
	EXPECT_EQ(get16(&r.frame[14]), 300);
	expect_checksums_valid(r.frame);
}

TEST(Rewrite, DropsIpOptions)
{
	FrameBuilder b;
	b.options = {0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00};
	b.with_payload_len(40);
	const Relayed r = relay(b.build(), make_output());
	ASSERT_EQ(r.drop, DropReason::none);
	EXPECT_EQ(r.header_len, 42);
	EXPECT_EQ(r.frame[14], 0x45);
	EXPECT_EQ(get16(&r.frame[14 + 2]), 20 + 8 + 40);
	EXPECT_EQ(get16(&r.frame[34 + 4]), 8 + 40);
	EXPECT_EQ(0, std::memcmp(&r.frame[42], b.payload.data(), 40));
	expect_checksums_valid(r.frame);
}

TEST(Rewrite, LeavesEthernetPaddingBehind)
{
	FrameBuilder b;
	b.with_payload_len(4);
	b.padding = 14;
	const Relayed r = relay(b.build(), make_output());
	ASSERT_EQ(r.drop, DropReason::none);
	EXPECT_EQ(r.frame.size(), 42u + 4u);
	EXPECT_EQ(get16(&r.frame[14 + 2]), 20 + 8 + 4);
	expect_checksums_valid(r.frame);
}

// Bytes past the UDP length but inside the IPv4 total length belong to the
// datagram the relay forwards.
TEST(Rewrite, KeepsIpPayloadBeyondUdpLength)
{
	FrameBuilder b;
	b.with_payload_len(12);
	b.udp_length = 8 + 4;
	b.options = Bytes(4, 0x01);
	const Relayed r = relay(b.build(), make_output());
	ASSERT_EQ(r.drop, DropReason::none);
	EXPECT_EQ(get16(&r.frame[14 + 2]), 20 + 8 + 12);
	EXPECT_EQ(get16(&r.frame[34 + 4]), 8 + 4);
	EXPECT_EQ(r.frame.size(), 42u + 12u);
	expect_checksums_valid(r.frame);
}

// The clone path: headers written into a separate buffer must equal the
// copy path's, whatever was in that buffer before.
TEST(Rewrite, HeaderOnlyBufferMatchesCopy)
{
	FrameBuilder b;
	b.with_payload_len(1000);
	const Bytes in = b.build();
	const OutputRewrite out = make_output();
	const Relayed copy = relay(in, out);
	ParsedPacket pkt{};
	ASSERT_EQ(parse_frame(in.data(), uint32_t(in.size()), pkt), DropReason::none);
	uint8_t header[max_output_header_len];
	std::memset(header, 0x5a, sizeof(header));
	const RewriteResult res = write_output_headers(in.data(), pkt, out, header);
	ASSERT_EQ(res.drop, DropReason::none);
	ASSERT_EQ(res.header_len, copy.header_len);
	EXPECT_EQ(0, std::memcmp(header, copy.frame.data(), res.header_len));
}

// Rewriting in place, headers ending where the payload starts: with a
// shorter output header (tag and options removed) and a longer one (tag
// added), the result equals the separate-buffer rewrite.
TEST(Rewrite, InPlaceMatchesSeparateBuffer)
{
	struct Case {
		std::vector<test::Tag> tags;
		size_t options;
		uint16_t out_vlan;
	};
	for (const Case &c : {Case{{{0x8100, 9}}, 8, 0}, Case{{}, 0, 77}, Case{{{0x8100, 9}}, 0, 9}}) {
		FrameBuilder b;
		b.tags = c.tags;
		b.options = Bytes(c.options, 0x01);
		b.with_payload_len(64);
		const Bytes in = b.build();
		OutputRewrite out = make_output();
		out.vlan = c.out_vlan;
		const Relayed expected = relay(in, out);
		ASSERT_EQ(expected.drop, DropReason::none);

		constexpr size_t headroom = 64;
		Bytes buf(headroom + in.size());
		std::memcpy(buf.data() + headroom, in.data(), in.size());
		uint8_t *frame = buf.data() + headroom;
		ParsedPacket pkt{};
		ASSERT_EQ(parse_frame(frame, uint32_t(in.size()), pkt), DropReason::none);
		uint8_t *dst = frame + payload_offset(pkt) - output_header_len(out);
		const RewriteResult res = write_output_headers(frame, pkt, out, dst);
		ASSERT_EQ(res.drop, DropReason::none);
		const Bytes got(dst, dst + res.header_len + payload_len(pkt));
		EXPECT_EQ(got, expected.frame) << "out vlan " << c.out_vlan << " options " << c.options;
	}
}

TEST(Rewrite, HeaderLengths)
{
	OutputRewrite out = make_output();
	out.vlan = 0;
	EXPECT_EQ(output_header_len(out), 42);
	out.vlan = 1;
	EXPECT_EQ(output_header_len(out), 46);
	EXPECT_EQ(max_output_header_len, 46);
}

TEST(MulticastMac, MapsLow23Bits)
{
	auto mac = [](uint32_t group) { return multicast_mac(net32(group)); };
	auto expect_mac = [](const rte_ether_addr &got, std::array<uint8_t, 6> want) {
		EXPECT_EQ(0, std::memcmp(got.addr_bytes, want.data(), 6))
			<< std::hex << int(got.addr_bytes[3]) << ":" << int(got.addr_bytes[4]) << ":"
			<< int(got.addr_bytes[5]);
	};
	expect_mac(mac(ipv4(239, 1, 1, 1)), {0x01, 0x00, 0x5e, 0x01, 0x01, 0x01});
	expect_mac(mac(ipv4(224, 0, 0, 1)), {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01});
	expect_mac(mac(ipv4(239, 255, 255, 255)), {0x01, 0x00, 0x5e, 0x7f, 0xff, 0xff});
	// The 24th bit is dropped: 224.128.1.2 and 224.0.1.2 share a MAC.
	expect_mac(mac(ipv4(224, 128, 1, 2)), {0x01, 0x00, 0x5e, 0x00, 0x01, 0x02});
	expect_mac(mac(ipv4(239, 130, 3, 4)), {0x01, 0x00, 0x5e, 0x02, 0x03, 0x04});
}

} // namespace
} // namespace mcr::packet
