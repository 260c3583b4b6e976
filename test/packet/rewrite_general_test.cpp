// write_general_headers: IPv6 to IPv6, IPv4 to IPv6 and back, destinations
// kept, set and mapped. Every output is parsed again and its checksums
// recomputed with the test's own arithmetic (frame_builder*.h), so the
// library is not checked against itself.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "drop_reason_print.h"
#include "frame_builder.h"
#include "frame_builder_ipv6.h"
#include "packet/parse.h"
#include "packet/rewrite_general.h"

namespace mcr::packet {
namespace {

using test::Bytes;
using test::FrameBuilder;
using test::FrameBuilder6;
using test::get16;
using test::get32;

const Address16 ff3e_2_1 = {0xff, 0x3e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x01};
const Address16 src6 = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};

Address16 v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	Address16 x{};
	x[12] = a, x[13] = b, x[14] = c, x[15] = d;
	return x;
}

GeneralRewrite output6(const Address16 &dst)
{
	GeneralRewrite out{};
	out.ipv6 = true;
	out.dst_mode = GeneralRewrite::Dst::set;
	out.dst = dst;
	out.src = src6;
	out.mac_from_group = true;
	out.src_mac = rte_ether_addr{{0x02, 0, 0, 0, 0, 0x02}};
	return out;
}

GeneralRewrite output4(const Address16 &dst)
{
	GeneralRewrite out{};
	out.dst_mode = GeneralRewrite::Dst::set;
	out.dst = dst;
	out.src = v4(198, 18, 1, 1);
	out.mac_from_group = true;
	out.src_mac = rte_ether_addr{{0x02, 0, 0, 0, 0, 0x02}};
	return out;
}

struct Sent {
	Bytes frame;
	ParsedPacket pkt{};
	DropReason verdict = DropReason::none;
};

// Rewrites the received frame for out and appends its payload, as the
// worker's copies do; then parses what would be sent.
Sent relay(const Bytes &received, const GeneralRewrite &out)
{
	ParsedPacket in_pkt{};
	EXPECT_EQ(parse_frame(received.data(), uint32_t(received.size()), in_pkt), DropReason::none);
	const GeneralInput in = read_general_input(received.data(), in_pkt);
	Sent s;
	s.frame.resize(general_header_len(out) + payload_len(in_pkt));
	const RewriteResult r = write_general_headers(in, out, s.frame.data());
	s.verdict = r.drop;
	if (r.drop != DropReason::none)
		return s;
	EXPECT_EQ(r.header_len, general_header_len(out));
	std::memcpy(s.frame.data() + r.header_len, received.data() + payload_offset(in_pkt), payload_len(in_pkt));
	EXPECT_EQ(parse_frame(s.frame.data(), uint32_t(s.frame.size()), s.pkt), DropReason::none);
	return s;
}

void expect_udp6_checksum_right(const Sent &s)
{
	const uint8_t *ip = s.frame.data() + s.pkt.l3_offset;
	const uint8_t *udp = s.frame.data() + s.pkt.l4_offset;
	EXPECT_EQ(get16(udp + 6), test::reference_udp6_checksum(ip, udp));
}

void expect_ipv4_checksums_right(const Sent &s)
{
	const uint8_t *ip = s.frame.data() + s.pkt.l3_offset;
	const uint8_t *udp = s.frame.data() + s.pkt.l4_offset;
	EXPECT_EQ(get16(ip + 10), test::reference_ipv4_checksum(ip, 20));
	EXPECT_EQ(get16(udp + 6), test::reference_udp_checksum(ip, udp));
}

TEST(RewriteGeneral, Ipv6ToIpv6GroupSetsEveryField)
{
	FrameBuilder6 b;
	b.hop_limit = 9;
	b.traffic_class = 0xb8;
	b.flow_label = 0x54321;
	b.ext = {test::ExtHeader{test::next_hop_by_hop}};
	b.with_payload_len(333);
	GeneralRewrite out = output6(ff3e_2_1);
	out.dst_port = rte_cpu_to_be_16(6000);
	const Sent s = relay(b.build(), out);
	ASSERT_EQ(s.verdict, DropReason::none);
	const uint8_t *f = s.frame.data();
	EXPECT_EQ(std::vector<uint8_t>(f, f + 6), (std::vector<uint8_t>{0x33, 0x33, 0, 0, 0x02, 0x01}));
	EXPECT_EQ(s.pkt.ip_version, 6);
	EXPECT_EQ(s.pkt.l4_offset, 14 + 40); // the extension header is not carried
	EXPECT_EQ(get32(f + 14), (6u << 28) | (0xb8u << 20) | 0x54321u);
	EXPECT_EQ(s.pkt.ttl, 8);
	EXPECT_EQ(std::memcmp(f + 14 + 8, src6.data(), 16), 0);
	EXPECT_EQ(std::memcmp(f + 14 + 24, ff3e_2_1.data(), 16), 0);
	EXPECT_EQ(get16(f + 14 + 40 + 2), 6000);
	EXPECT_EQ(payload_len(s.pkt), 333u);
	expect_udp6_checksum_right(s);
}

TEST(RewriteGeneral, HopLimitSetDscpSetVlanAndKeptSource)
{
	FrameBuilder6 b;
	b.hop_limit = 1; // would expire on decrement; a set hop limit relays it
	GeneralRewrite out = output6(ff3e_2_1);
	out.ttl = 33;
	out.tos_clear = 0xfc;
	out.tos_set = 46 << 2;
	out.vlan = 77;
	out.keep_src = true;
	const Sent s = relay(b.build(), out);
	ASSERT_EQ(s.verdict, DropReason::none);
	EXPECT_EQ(s.pkt.vlan, 77);
	EXPECT_EQ(s.pkt.ttl, 33);
	const uint8_t *ip = s.frame.data() + s.pkt.l3_offset;
	EXPECT_EQ(uint8_t(get32(ip) >> 20), uint8_t((46 << 2) | (0xb8 & 3)));
	EXPECT_EQ(std::memcmp(ip + 8, b.src.data(), 16), 0);
	expect_udp6_checksum_right(s);
}

TEST(RewriteGeneral, HopLimitOneExpiresOnDecrement)
{
	FrameBuilder6 b;
	b.hop_limit = 1;
	EXPECT_EQ(relay(b.build(), output6(ff3e_2_1)).verdict, DropReason::ttl_expired);
}

TEST(RewriteGeneral, PartialChecksumOfALocalSenderIsFinished)
{
	FrameBuilder6 b;
	b.udp_checksum_mode = FrameBuilder6::UdpChecksum::partial;
	b.with_payload_len(101);
	expect_udp6_checksum_right(relay(b.build(), output6(ff3e_2_1)));
	FrameBuilder b4;
	b4.udp_checksum_mode = FrameBuilder::UdpChecksum::partial;
	expect_udp6_checksum_right(relay(b4.build(), output6(ff3e_2_1)));
}

TEST(RewriteGeneral, Ipv4ToIpv6CarriesTtlAndTos)
{
	FrameBuilder b;
	b.ttl = 20;
	b.tos = 0x2e;
	b.with_payload_len(200);
	const Sent s = relay(b.build(), output6(ff3e_2_1));
	ASSERT_EQ(s.verdict, DropReason::none);
	EXPECT_EQ(s.pkt.ip_version, 6);
	EXPECT_EQ(s.pkt.ttl, 19);
	EXPECT_EQ(get32(s.frame.data() + 14), (6u << 28) | (0x2eu << 20)); // no flow label
	EXPECT_EQ(payload_len(s.pkt), 200u);
	expect_udp6_checksum_right(s);
}

// IPv6 forbids a zero UDP checksum: one is computed over the payload.
TEST(RewriteGeneral, Ipv4WithoutChecksumGetsOneAsIpv6)
{
	for (size_t len : {0, 1, 2, 17, 1400}) {
		FrameBuilder b;
		b.udp_checksum_mode = FrameBuilder::UdpChecksum::zero;
		b.with_payload_len(len);
		const Sent s = relay(b.build(), output6(ff3e_2_1));
		ASSERT_EQ(s.verdict, DropReason::none);
		EXPECT_NE(get16(s.frame.data() + s.pkt.l4_offset + 6), 0) << len;
		expect_udp6_checksum_right(s);
	}
}

TEST(RewriteGeneral, Ipv6ToIpv4)
{
	FrameBuilder6 b;
	b.hop_limit = 64;
	b.traffic_class = 0x28;
	b.with_payload_len(500);
	const Sent s = relay(b.build(), output4(v4(239, 9, 9, 9)));
	ASSERT_EQ(s.verdict, DropReason::none);
	const uint8_t *f = s.frame.data();
	EXPECT_EQ(std::vector<uint8_t>(f, f + 6), (std::vector<uint8_t>{0x01, 0x00, 0x5e, 9, 9, 9}));
	EXPECT_EQ(s.pkt.ip_version, 4);
	EXPECT_EQ(s.pkt.ttl, 63);
	EXPECT_EQ(f[15], 0x28);                 // TOS from the traffic class
	EXPECT_EQ(get16(f + 14 + 6), 0x4000);   // DF, no fragment
	EXPECT_EQ(get16(f + 14 + 4), 0);        // id
	EXPECT_EQ(payload_len(s.pkt), 500u);
	expect_ipv4_checksums_right(s);
}

TEST(RewriteGeneral, Ipv4ToIpv4KeepsIdAndWithoutChecksumStaysWithout)
{
	FrameBuilder b;
	b.udp_checksum_mode = FrameBuilder::UdpChecksum::zero;
	const Sent s = relay(b.build(), output4(v4(239, 2, 2, 2)));
	ASSERT_EQ(s.verdict, DropReason::none);
	EXPECT_EQ(get16(s.frame.data() + 14 + 4), 0x1234);
	EXPECT_EQ(get16(s.frame.data() + s.pkt.l4_offset + 6), 0);
	EXPECT_EQ(test::reference_ipv4_checksum(s.frame.data() + 14, 20), get16(s.frame.data() + 24));
}

// A range rule's output keeps the group, or maps its host bits into
// another prefix, of the same family or the other.
TEST(RewriteGeneral, KeptAndMappedDestinationsAndTheirMacs)
{
	FrameBuilder b;
	b.dst_ip = test::ipv4(239, 1, 0x87, 0x42);
	b.dst_mac[3] = 0x01, b.dst_mac[4] = 0x87, b.dst_mac[5] = 0x42;
	const Bytes f = b.build();

	GeneralRewrite keep = output4({});
	keep.dst_mode = GeneralRewrite::Dst::keep;
	Sent s = relay(f, keep);
	EXPECT_EQ(get32(s.frame.data() + 14 + 16), test::ipv4(239, 1, 0x87, 0x42));
	EXPECT_EQ(std::vector<uint8_t>(s.frame.data(), s.frame.data() + 6),
		  (std::vector<uint8_t>{0x01, 0x00, 0x5e, 0x01, 0x87, 0x42}));
	expect_ipv4_checksums_right(s);

	GeneralRewrite map = output4(v4(239, 2, 0, 0)); // 239.1.0.0/16 -> 239.2.0.0/16
	map.dst_mode = GeneralRewrite::Dst::map;
	map.map_bits = 16;
	s = relay(f, map);
	EXPECT_EQ(get32(s.frame.data() + 14 + 16), test::ipv4(239, 2, 0x87, 0x42));
	EXPECT_EQ(s.frame[3], 0x02);
	expect_ipv4_checksums_right(s);

	Address16 prefix6 = ff3e_2_1; // 239.1.0.0/16 -> ff3e::2:0/112
	prefix6[14] = prefix6[15] = 0;
	prefix6[13] = 0x02;
	GeneralRewrite map6 = output6(prefix6);
	map6.dst_mode = GeneralRewrite::Dst::map;
	map6.map_bits = 16;
	s = relay(f, map6);
	const uint8_t *dst = s.frame.data() + 14 + 24;
	EXPECT_EQ(dst[13], 0x02);
	EXPECT_EQ(dst[14], 0x87);
	EXPECT_EQ(dst[15], 0x42);
	EXPECT_EQ(std::vector<uint8_t>(s.frame.data(), s.frame.data() + 6),
		  (std::vector<uint8_t>{0x33, 0x33, 0, 0x02, 0x87, 0x42}));
	expect_udp6_checksum_right(s);

	GeneralRewrite odd = output4(v4(239, 2, 0, 0)); // /20: a map of 12 bits
	odd.dst_mode = GeneralRewrite::Dst::map;
	odd.map_bits = 12;
	s = relay(f, odd);
	EXPECT_EQ(get32(s.frame.data() + 14 + 16), test::ipv4(239, 2, 0x07, 0x42));
}

TEST(RewriteGeneral, UnicastDestinationUsesTheOutputsMac)
{
	FrameBuilder6 b;
	const Address16 host = src6;
	GeneralRewrite out = output6(host);
	out.dst_mac = rte_ether_addr{{0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee}};
	const Sent s = relay(b.build(), out);
	EXPECT_EQ(std::vector<uint8_t>(s.frame.data(), s.frame.data() + 6),
		  (std::vector<uint8_t>{0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee}));
	expect_udp6_checksum_right(s);
}

// The received checksum is updated, not recomputed: an error in the
// datagram stays an error downstream.
TEST(RewriteGeneral, AWrongChecksumStaysWrong)
{
	FrameBuilder6 b;
	b.with_payload_len(64);
	Bytes f = b.build();
	f[f.size() - 1] ^= 0x40; // payload changed after the checksum
	const Sent s = relay(f, output4(v4(239, 3, 3, 3)));
	const uint8_t *ip = s.frame.data() + s.pkt.l3_offset;
	const uint8_t *udp = s.frame.data() + s.pkt.l4_offset;
	EXPECT_NE(get16(udp + 6), test::reference_udp_checksum(ip, udp));
}

TEST(Address16, WithLowBits)
{
	const Address16 to = v4(10, 0xff, 0xff, 0xff), from = v4(1, 2, 3, 4);
	EXPECT_EQ(with_low_bits(to, from, 0), to);
	EXPECT_EQ(with_low_bits(to, from, 8), v4(10, 0xff, 0xff, 4));
	EXPECT_EQ(with_low_bits(to, from, 12), v4(10, 0xff, 0xf3, 4));
	EXPECT_EQ(with_low_bits(to, from, 32), from);
}

} // namespace
} // namespace mcr::packet
