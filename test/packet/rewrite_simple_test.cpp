// The simple-output paths (OutputRewrite::simple, prepared when a rule is
// compiled: write_simple_headers, rewrite_simple_in_place) against the
// general path they shortcut: byte for byte the same frame, over random
// addresses, ports, TTLs, TOS, payloads and received UDP checksums (zero,
// all ones, whatever the sum gives), and for both kinds of simple output
// (destination and port kept, both set).
#include <gtest/gtest.h>

#include <cstring>

#include "frame_builder.h"
#include "packet/parse.h"
#include "packet/rewrite.h"
#include "packet/udp_checksum.h"

namespace mcr::packet {
namespace {

using test::Bytes;
using test::FrameBuilder;
using test::ipv4;
using test::net16;
using test::net32;

struct Lcg {
	uint32_t seed;
	uint32_t operator()() { return seed = seed * 1103515245u + 12345u; }
};

// A random untagged frame without options, as most relays receive.
FrameBuilder random_frame(Lcg &next, int i)
{
	FrameBuilder b;
	b.src_ip = next();
	b.dst_ip = i % 4 == 0 ? 0xffffffff : next(); // all ones: the largest one's-complement terms
	b.src_port = uint16_t(next() >> 8);
	b.dst_port = uint16_t(next() >> 8);
	b.ttl = uint8_t(2 + next() % 254);
	b.tos = uint8_t(next() >> 24);
	b.id = uint16_t(next() >> 8);
	b.flags_offset = i % 2 ? 0x4000 : 0;
	b.with_payload_len(next() % 80);
	if (!b.payload.empty())
		b.payload[0] = uint8_t(next() >> 16);
	if (i % 7 == 0)
		b.udp_checksum_mode = FrameBuilder::UdpChecksum::zero;
	else if (i % 11 == 0)
		b.udp_checksum = 0xffff; // a wrong but nonzero field: carried, not fixed
	return b;
}

OutputRewrite random_output(Lcg &next, int i)
{
	OutputRewrite out{};
	const uint32_t mac = next();
	std::memcpy(out.dst_mac.addr_bytes, &mac, 4);
	out.src_mac = rte_ether_addr{{0x02, 0, 0, 0, uint8_t(i), 1}};
	out.src_ip = i % 9 == 0 ? 0xffffffff : next();
	if (i % 3 != 0) { // set both: group translation
		out.dst_ip = next() | 1;
		out.dst_port = uint16_t(next() | 1);
	}
	return out;
}

// The general path: the fields as they are, nothing prepared.
Bytes general(const Bytes &in, const ParsedPacket &pkt, const OutputRewrite &out)
{
	Bytes f(max_output_header_len, 0xee);
	OutputRewrite raw = out;
	raw.simple = false;
	const RewriteResult r = write_output_headers(in.data(), pkt, raw, f.data());
	EXPECT_EQ(r.drop, DropReason::none);
	f.resize(r.header_len);
	return f;
}

TEST(RewriteSimple, PreparedOutputsAreSimpleOnlyWhenTheyMayBe)
{
	OutputRewrite out{};
	out.src_ip = net32(ipv4(198, 18, 2, 1));
	prepare_output_rewrite(out);
	EXPECT_TRUE(out.simple);
	EXPECT_TRUE(out.keeps_dst);
	out.dst_ip = net32(ipv4(239, 2, 2, 2));
	prepare_output_rewrite(out);
	EXPECT_FALSE(out.simple) << "a new group with the received port";
	out.dst_port = net16(6000);
	prepare_output_rewrite(out);
	EXPECT_TRUE(out.simple);
	EXPECT_FALSE(out.keeps_dst);
	for (auto change : {+[](OutputRewrite &o) { o.ttl = 8; }, +[](OutputRewrite &o) { o.keep_src = true; },
			    +[](OutputRewrite &o) { o.tos_clear = 0xfc; }, +[](OutputRewrite &o) { o.vlan = 5; }}) {
		OutputRewrite o = out;
		change(o);
		prepare_output_rewrite(o);
		EXPECT_FALSE(o.simple);
	}
}

TEST(RewriteSimple, HeadersAreTheGeneralPathsByteForByte)
{
	Lcg next{777};
	for (int i = 0; i < 5000; ++i) {
		const Bytes in = random_frame(next, i).build();
		ParsedPacket pkt{};
		ASSERT_EQ(parse_frame(in.data(), uint32_t(in.size()), pkt), DropReason::none);
		OutputRewrite out = random_output(next, i);
		prepare_output_rewrite(out);
		ASSERT_TRUE(out.simple);
		Bytes fast(max_output_header_len, 0xee);
		const RewriteResult r = write_output_headers(in.data(), pkt, out, fast.data());
		ASSERT_EQ(r.drop, DropReason::none);
		fast.resize(r.header_len);
		ASSERT_EQ(fast, general(in, pkt, out)) << "iteration " << i;
	}
}

TEST(RewriteSimple, InPlaceIsTheGeneralPathsFrame)
{
	Lcg next{4242};
	for (int i = 0; i < 5000; ++i) {
		const Bytes in = random_frame(next, i).build();
		ParsedPacket pkt{};
		ASSERT_EQ(parse_frame(in.data(), uint32_t(in.size()), pkt), DropReason::none);
		OutputRewrite out = random_output(next, i);
		prepare_output_rewrite(out);
		Bytes fast = in;
		uint16_t field;
		std::memcpy(&field, in.data() + pkt.l4_offset + 6, 2);
		if (udp_checksum_is_partial(in.data(), pkt, field))
			continue; // the worker takes the general path for these
		rewrite_simple_in_place(fast.data(), pkt, out, field);
		Bytes want = in;
		const Bytes headers = general(in, pkt, out);
		std::memcpy(want.data(), headers.data(), headers.size());
		ASSERT_EQ(fast, want) << "iteration " << i;
	}
}

// The last output of a fan-out: in place, from the packet's RewriteInput
// (partial sums already finished there).
TEST(RewriteSimple, InPlaceFromTheInputIsTheGeneralPathsFrame)
{
	Lcg next{9001};
	for (int i = 0; i < 5000; ++i) {
		FrameBuilder b = random_frame(next, i);
		if (i % 13 == 0)
			b.udp_checksum_mode = FrameBuilder::UdpChecksum::partial;
		const Bytes in = b.build();
		ParsedPacket pkt{};
		ASSERT_EQ(parse_frame(in.data(), uint32_t(in.size()), pkt), DropReason::none);
		OutputRewrite out = random_output(next, i);
		prepare_output_rewrite(out);
		Bytes fast = in;
		write_simple_in_place(read_rewrite_input(in.data(), pkt), out, fast.data());
		Bytes want = in;
		const Bytes headers = general(in, pkt, out);
		std::memcpy(want.data(), headers.data(), headers.size());
		ASSERT_EQ(fast, want) << "iteration " << i;
	}
}

TEST(RewriteSimple, TtlOneDropsAsInTheGeneralPath)
{
	FrameBuilder b;
	b.ttl = 1;
	const Bytes in = b.build();
	ParsedPacket pkt{};
	ASSERT_EQ(parse_frame(in.data(), uint32_t(in.size()), pkt), DropReason::none);
	OutputRewrite out{};
	out.src_ip = net32(ipv4(198, 18, 2, 1));
	prepare_output_rewrite(out);
	uint8_t dst[max_output_header_len];
	EXPECT_EQ(write_output_headers(in.data(), pkt, out, dst).drop, DropReason::ttl_expired);
}

} // namespace
} // namespace mcr::packet
