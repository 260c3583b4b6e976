// Every parse_ipv6_frame verdict on frames built field by field, every
// truncation point of each extension header chain, and the IPv6 UDP
// checksum against frame_builder_ipv6.h's own sum.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "drop_reason_print.h"
#include "frame_builder_ipv6.h"
#include "packet/parse_ipv6.h"
#include "packet/udp_checksum.h"
#include "packet/udp_checksum_ipv6.h"

namespace mcr::packet {
namespace {

using test::Bytes;
using test::ExtHeader;
using test::FrameBuilder6;
using test::net16;

constexpr ExtHeader hop_by_hop{test::next_hop_by_hop};
constexpr ExtHeader dest_options{test::next_dest_options};
constexpr ExtHeader routing{test::next_routing, 2};
constexpr ExtHeader fragment_header{test::next_fragment};

// Through parse_frame, which dispatches on the ethertype, and checked
// against parse_ipv6_frame called directly with the one 802.1Q tag, if
// any, already read: the same verdict and, when accepted, the same fields.
DropReason parse(const Bytes &f, const FrameBuilder6 &b, ParsedPacket &pkt)
{
	const uint16_t vlan = b.tags.empty() ? 0 : uint16_t(b.tags[0].tci & 0x0fff);
	ParsedPacket direct{};
	const DropReason expected =
		parse_ipv6_frame(f.data(), uint32_t(f.size()), uint32_t(b.l3_offset()), vlan, direct);
	if (b.ether_type != 0x86dd || b.tags.size() > 1 || (b.tags.size() == 1 && b.tags[0].tpid != 0x8100))
		return expected; // parse_frame takes one 802.1Q tag only
	const DropReason verdict = parse_frame(f.data(), uint32_t(f.size()), pkt);
	EXPECT_EQ(verdict, expected);
	if (f.size() >= b.l3_offset()) { // the ethertype was read
		EXPECT_EQ(pkt.ip_version, 6);
	}
	if (verdict == DropReason::none && expected == DropReason::none) {
		EXPECT_EQ(std::memcmp(&pkt, &direct, sizeof pkt), 0);
	}
	return verdict;
}

DropReason parse(const FrameBuilder6 &b)
{
	ParsedPacket pkt{};
	return parse(b.build(), b, pkt);
}

Bytes cut(const Bytes &f, size_t n)
{
	return Bytes(f.begin(), f.begin() + static_cast<ptrdiff_t>(n));
}

std::string describe(const std::vector<ExtHeader> &chain)
{
	std::string s = "chain:";
	for (const ExtHeader &e : chain)
		s += " " + std::to_string(e.type) + "/" + std::to_string(e.size());
	return s;
}

TEST(ParseIpv6, AcceptsPlainDatagramAndFillsEveryField)
{
	FrameBuilder6 b;
	b.hop_limit = 17;
	b.src_port = 40001;
	b.dst_port = 5002;
	b.with_payload_len(100);
	const Bytes f = b.build();

	ParsedPacket pkt{};
	pkt.src_ip = pkt.dst_ip = 0xdeadbeef;
	ASSERT_EQ(parse(f, b, pkt), DropReason::none);
	EXPECT_EQ(pkt.ip_version, 6);
	EXPECT_EQ(pkt.vlan, 0);
	EXPECT_EQ(pkt.l3_offset, 14);
	EXPECT_EQ(pkt.l4_offset, 54);
	EXPECT_EQ(pkt.ip_total_len, 40 + 8 + 100);
	EXPECT_EQ(pkt.src_ip, 0u);
	EXPECT_EQ(pkt.dst_ip, 0u);
	EXPECT_EQ(pkt.src_port, net16(40001));
	EXPECT_EQ(pkt.dst_port, net16(5002));
	EXPECT_EQ(pkt.ttl, 17);
	EXPECT_EQ(payload_offset(pkt), 62u);
	EXPECT_EQ(payload_len(pkt), 100u);
	// Where the rule key will read the addresses.
	EXPECT_EQ(std::memcmp(&f[pkt.l3_offset + 8], b.src.data(), 16), 0);
	EXPECT_EQ(std::memcmp(&f[pkt.l3_offset + 24], b.dst.data(), 16), 0);
}

TEST(ParseIpv6, AcceptsEmptyPayloadAndUnalignedFrames)
{
	FrameBuilder6 b;
	b.payload.clear();
	const Bytes f = b.build();
	Bytes storage(f.size() + 1);
	std::memcpy(storage.data() + 1, f.data(), f.size());
	ParsedPacket pkt{};
	ASSERT_EQ(parse_ipv6_frame(storage.data() + 1, uint32_t(f.size()), 14, 0, pkt),
		  DropReason::none);
	EXPECT_EQ(payload_len(pkt), 0u);
}

TEST(ParseIpv6, VlanTaggedDatagramStartsAfterTheTag)
{
	FrameBuilder6 b;
	b.tags = {{0x8100, 0xe000 | 300}};
	b.ext = {hop_by_hop};
	ParsedPacket pkt{};
	ASSERT_EQ(parse(b.build(), b, pkt), DropReason::none);
	EXPECT_EQ(pkt.vlan, 300);
	EXPECT_EQ(pkt.l3_offset, 18);
	EXPECT_EQ(pkt.l4_offset, 18 + 40 + 8);
	EXPECT_EQ(payload_len(pkt), 18u);
}

TEST(ParseIpv6, SkipsEveryExtensionHeaderAtEveryLength)
{
	for (uint8_t type : {test::next_hop_by_hop, test::next_routing, test::next_dest_options})
		for (uint8_t units : {0, 1, 2, 7, 255}) {
			FrameBuilder6 b;
			b.ext = {{type, units}};
			b.with_payload_len(33);
			SCOPED_TRACE(describe(b.ext));
			ParsedPacket pkt{};
			ASSERT_EQ(parse(b.build(), b, pkt), DropReason::none);
			EXPECT_EQ(pkt.l4_offset, 14 + 40 + (units + 1) * 8);
			EXPECT_EQ(pkt.ip_total_len, 40 + (units + 1) * 8 + 8 + 33);
			EXPECT_EQ(payload_len(pkt), 33u);
			EXPECT_EQ(pkt.dst_port, net16(5000));
		}
}

TEST(ParseIpv6, SkipsTheRecommendedOrder)
{
	// RFC 8200 4.1, without fragment, AH and ESP.
	FrameBuilder6 b;
	b.ext = {hop_by_hop, {test::next_dest_options, 1}, routing, dest_options};
	ParsedPacket pkt{};
	ASSERT_EQ(parse(b.build(), b, pkt), DropReason::none);
	EXPECT_EQ(pkt.l4_offset, b.l4_offset());
}

TEST(ParseIpv6, HopByHopOnlyFirst)
{
	FrameBuilder6 b;
	b.ext = {dest_options, hop_by_hop};
	EXPECT_EQ(parse(b), DropReason::bad_ext_header);
	b.ext = {hop_by_hop, hop_by_hop};
	EXPECT_EQ(parse(b), DropReason::bad_ext_header);
	b.ext = {hop_by_hop, dest_options};
	EXPECT_EQ(parse(b), DropReason::none);
}

TEST(ParseIpv6, RoutingHeaderWithSegmentsLeftIsNotOurs)
{
	FrameBuilder6 b;
	b.ext = {{test::next_routing, 2, 1}};
	EXPECT_EQ(parse(b), DropReason::bad_ext_header);
	b.ext = {{test::next_routing, 2, 0}};
	EXPECT_EQ(parse(b), DropReason::none);
}

TEST(ParseIpv6, BoundsTheChain)
{
	FrameBuilder6 b;
	b.ext.assign(ipv6_max_ext_headers, dest_options);
	EXPECT_EQ(parse(b), DropReason::none);
	b.ext.push_back(dest_options);
	EXPECT_EQ(parse(b), DropReason::ext_chain_too_long);
	// The bound counts headers, whatever comes after them.
	b.upper = test::next_fragment;
	EXPECT_EQ(parse(b), DropReason::ext_chain_too_long);
}

TEST(ParseIpv6, FragmentHeaderIsAFragmentWherever)
{
	for (const std::vector<ExtHeader> &chain :
	     {std::vector<ExtHeader>{fragment_header}, {hop_by_hop, fragment_header},
	      {hop_by_hop, dest_options, routing, fragment_header, dest_options}}) {
		FrameBuilder6 b;
		b.ext = chain;
		SCOPED_TRACE(describe(chain));
		EXPECT_EQ(parse(b), DropReason::fragment);
	}
}

TEST(ParseIpv6, EveryOtherNextHeaderIsNotUdp)
{
	for (uint8_t upper : {test::next_tcp, test::next_esp, test::next_ah, test::next_icmpv6,
			      test::next_none, uint8_t{4}, uint8_t{41}, uint8_t{135}, uint8_t{253}}) {
		SCOPED_TRACE(int(upper));
		FrameBuilder6 b;
		b.upper = upper;
		EXPECT_EQ(parse(b), DropReason::not_udp);
		b.ext = {hop_by_hop, dest_options};
		EXPECT_EQ(parse(b), DropReason::not_udp);
	}
}

TEST(ParseIpv6, RejectsOtherVersions)
{
	for (uint8_t version : {0, 4, 5, 7, 15}) {
		FrameBuilder6 b;
		b.version = version;
		EXPECT_EQ(parse(b), DropReason::bad_version) << int(version);
	}
}

TEST(ParseIpv6, PayloadLength)
{
	FrameBuilder6 b;
	b.ext = {hop_by_hop};
	const uint16_t right = uint16_t(8 + 8 + b.payload.size());

	b.payload_length = uint16_t(right + 1); // past the frame
	EXPECT_EQ(parse(b), DropReason::bad_length);
	b.padding = 1; // ... unless padding holds it
	EXPECT_EQ(parse(b), DropReason::none);

	b.padding = 64;
	b.payload_length = right;
	ParsedPacket pkt{};
	ASSERT_EQ(parse(b.build(), b, pkt), DropReason::none);
	EXPECT_EQ(pkt.ip_total_len, 40 + right);
	EXPECT_EQ(payload_len(pkt), b.payload.size());

	// Too short for the UDP length, the UDP header, the extension header.
	for (uint16_t short_len : {uint16_t(right - 1), uint16_t(8 + 7), uint16_t(8), uint16_t(7),
				   uint16_t(0)}) {
		b.payload_length = short_len;
		EXPECT_EQ(parse(b), DropReason::bad_length) << short_len;
	}
}

TEST(ParseIpv6, UdpLength)
{
	FrameBuilder6 b;
	b.with_payload_len(40);
	for (uint16_t bad : {0, 7, 8 + 40 + 1, 0xffff}) {
		b.udp_length = bad;
		EXPECT_EQ(parse(b), DropReason::bad_length) << bad;
	}
	// Shorter than the payload: bytes after it are carried, as for IPv4.
	for (uint16_t good : {8, 8 + 39, 8 + 40}) {
		b.udp_length = good;
		EXPECT_EQ(parse(b), DropReason::none) << good;
	}
}

TEST(ParseIpv6, ZeroChecksumIsItsOwnDrop)
{
	FrameBuilder6 b;
	b.udp_checksum = 0;
	EXPECT_EQ(parse(b), DropReason::zero_udp_checksum);
	b.udp_checksum = 0xffff;
	EXPECT_EQ(parse(b), DropReason::none);
}

TEST(ParseIpv6, ReportsFirstProblemInHeaderOrder)
{
	FrameBuilder6 b;
	b.udp_checksum = 0;
	b.udp_length = 3;
	EXPECT_EQ(parse(b), DropReason::bad_length);
	b.ext = {fragment_header};
	EXPECT_EQ(parse(b), DropReason::fragment);
	b.ext = {dest_options, hop_by_hop, fragment_header};
	EXPECT_EQ(parse(b), DropReason::bad_ext_header);
	b.version = 4;
	EXPECT_EQ(parse(b), DropReason::bad_version);
	// A header beyond the payload length, before a misplaced one.
	b = FrameBuilder6{};
	b.ext = {dest_options, hop_by_hop};
	b.payload_length = 4;
	EXPECT_EQ(parse(b), DropReason::bad_length);
}

// Cut each frame at every length: inside a header (IPv6, each extension
// header, UDP) it is truncated; past the UDP header the payload length
// reaches beyond the frame: bad-length. Nothing is read past the cut
// (the fuzz target checks that under ASan).
TEST(ParseIpv6, EveryCutIsTruncatedInAHeaderAndBadLengthAfter)
{
	const std::vector<std::vector<ExtHeader>> chains = {
		{},
		{hop_by_hop},
		{routing},
		{dest_options},
		{{test::next_hop_by_hop, 3}, dest_options, routing, {test::next_dest_options, 1}},
		std::vector<ExtHeader>(ipv6_max_ext_headers, dest_options),
	};
	for (bool tagged : {false, true})
		for (const auto &chain : chains) {
			FrameBuilder6 b;
			if (tagged)
				b.tags = {{0x8100, 7}};
			b.ext = chain;
			b.with_payload_len(21);
			SCOPED_TRACE(describe(chain) + (tagged ? " tagged" : ""));
			const Bytes f = b.build();
			ParsedPacket pkt{};
			ASSERT_EQ(parse(f, b, pkt), DropReason::none);
			const size_t udp_end = b.l4_offset() + 8;
			for (size_t n = 0; n < f.size(); ++n) {
				const DropReason want =
					n < udp_end ? DropReason::truncated : DropReason::bad_length;
				ASSERT_EQ(parse(cut(f, n), b, pkt), want) << "cut at " << n;
			}
		}
}

// A fragment header ends the walk before it is read: cuts inside it or
// after it are still fragments, cuts before it truncated.
TEST(ParseIpv6, CutsAroundAFragmentHeader)
{
	FrameBuilder6 b;
	b.ext = {hop_by_hop, fragment_header};
	const Bytes f = b.build();
	const size_t fragment_at = b.l3_offset() + 40 + 8;
	ParsedPacket pkt{};
	for (size_t n = 0; n < f.size(); ++n)
		ASSERT_EQ(parse(cut(f, n), b, pkt),
			  n < fragment_at ? DropReason::truncated : DropReason::fragment)
			<< "cut at " << n;
}

TEST(ParseIpv6, NamesItsDropReasons)
{
	EXPECT_STREQ(drop_reason_name(DropReason::bad_ext_header), "bad-ext-header");
	EXPECT_STREQ(drop_reason_name(DropReason::ext_chain_too_long), "ext-chain-too-long");
	EXPECT_STREQ(drop_reason_name(DropReason::zero_udp_checksum), "zero-udp-checksum");
}

TEST(Ipv6L2Destination, GroupsNeedTheirOwnMacAndUnicastNeedsThePortsMac)
{
	const rte_ether_addr port_mac{{0x02, 0, 0, 0, 0x01, 0x00}};
	auto ok = [&](const FrameBuilder6 &b, std::initializer_list<uint8_t> mac) {
		Bytes f = b.build();
		std::copy(mac.begin(), mac.end(), f.begin());
		ParsedPacket pkt{};
		EXPECT_EQ(parse(f, b, pkt), DropReason::none);
		return ipv6_l2_destination_ok(f.data(), pkt, port_mac);
	};
	FrameBuilder6 group; // ff3e::1234:5678
	EXPECT_TRUE(ok(group, {0x33, 0x33, 0x12, 0x34, 0x56, 0x78}));
	EXPECT_FALSE(ok(group, {0x33, 0x33, 0x12, 0x34, 0x56, 0x79}));
	EXPECT_FALSE(ok(group, {0x33, 0x34, 0x12, 0x34, 0x56, 0x78}));
	EXPECT_FALSE(ok(group, {0x01, 0x00, 0x5e, 0x34, 0x56, 0x78}));
	EXPECT_FALSE(ok(group, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
	EXPECT_FALSE(ok(group, {0x02, 0, 0, 0, 0x01, 0x00}));
	group.tags = {{0x8100, 5}};
	EXPECT_TRUE(ok(group, {0x33, 0x33, 0x12, 0x34, 0x56, 0x78}));

	FrameBuilder6 unicast;
	unicast.dst = test::test_ipv6_source;
	unicast.dst[15] = 0x01;
	EXPECT_TRUE(ok(unicast, {0x02, 0, 0, 0, 0x01, 0x00}));
	EXPECT_FALSE(ok(unicast, {0x02, 0, 0, 0, 0x01, 0x01}));
	EXPECT_FALSE(ok(unicast, {0x33, 0x33, 0, 0, 0, 0x01}));
}

// The UDP checksum over the IPv6 pseudo-header.

struct Parsed {
	Bytes frame;
	ParsedPacket pkt{};
};

Parsed parsed(const FrameBuilder6 &b)
{
	Parsed p{b.build()};
	EXPECT_EQ(parse(p.frame, b, p.pkt), DropReason::none);
	return p;
}

bool checksum_ok(const Parsed &p)
{
	return udp_checksum_ipv6_ok(p.frame.data(), p.pkt);
}

TEST(UdpChecksumIpv6, RightChecksumVerifiesAtEveryLengthAndChain)
{
	for (size_t len : {0, 1, 2, 17, 18, 1400, 1401})
		for (bool with_ext : {false, true}) {
			FrameBuilder6 b;
			b.with_payload_len(len);
			if (with_ext)
				b.ext = {hop_by_hop, routing};
			SCOPED_TRACE(len);
			EXPECT_TRUE(checksum_ok(parsed(b)));
		}
}

TEST(UdpChecksumIpv6, EveryFlippedBitItCoversFailsVerify)
{
	FrameBuilder6 b;
	b.ext = {dest_options};
	b.with_payload_len(37);
	const Parsed good = parsed(b);
	ASSERT_TRUE(checksum_ok(good));
	// Both addresses (the pseudo-header), the UDP header, the payload.
	std::vector<size_t> covered;
	for (size_t i = good.pkt.l3_offset + 8; i < good.pkt.l3_offset + 40u; ++i)
		covered.push_back(i);
	for (size_t i = good.pkt.l4_offset; i < good.frame.size(); ++i)
		if (i != good.pkt.l4_offset + 4u && i != good.pkt.l4_offset + 5u) // the length moves the datagram
			covered.push_back(i);
	for (size_t i : covered)
		for (int bit = 0; bit < 8; ++bit) {
			Parsed p = good;
			p.frame[i] ^= uint8_t(1 << bit);
			EXPECT_FALSE(checksum_ok(p)) << "byte " << i << " bit " << bit;
		}
	// Not covered: traffic class, flow label, hop limit, extension headers.
	for (size_t i : {good.pkt.l3_offset + 1u, good.pkt.l3_offset + 3u, good.pkt.l3_offset + 7u,
			 good.pkt.l3_offset + 40u + 5u}) {
		Parsed p = good;
		p.frame[i] ^= 0x10;
		EXPECT_TRUE(checksum_ok(p)) << "byte " << i;
	}
}

TEST(UdpChecksumIpv6, CoversOnlyTheUdpLength)
{
	FrameBuilder6 b;
	b.with_payload_len(40);
	b.udp_length = 8 + 30;
	Parsed p = parsed(b);
	ASSERT_TRUE(checksum_ok(p));
	p.frame[p.pkt.l4_offset + 8 + 35] ^= 0xff; // past the UDP length
	EXPECT_TRUE(checksum_ok(p));
	p.frame[p.pkt.l4_offset + 8 + 29] ^= 0xff;
	EXPECT_FALSE(checksum_ok(p));
}

TEST(UdpChecksumIpv6, ZeroIsWrongAndComputedZeroIsSentAsAllOnes)
{
	FrameBuilder6 b;
	b.udp_checksum = 0;
	Parsed p{b.build()};
	p.pkt.l3_offset = 14;
	p.pkt.l4_offset = 54;
	EXPECT_FALSE(checksum_ok(p));

	// Choose the last payload word so the computed checksum is 0: then
	// the sender writes 0xffff, which must verify.
	b = FrameBuilder6{};
	b.with_payload_len(20);
	b.payload[18] = b.payload[19] = 0;
	b.udp_checksum = 0xffff;
	Bytes f = b.build();
	const size_t l4 = b.l4_offset();
	uint32_t sum = test::be_word_sum(&f[b.l3_offset() + 8], 32) + 17 + (8 + 20);
	sum = test::be_word_sum(&f[l4], 6, sum);
	sum = test::be_word_sum(&f[l4 + 8], 20, sum);
	const uint16_t word = uint16_t(~test::fold(sum));
	b.payload[18] = uint8_t(word >> 8);
	b.payload[19] = uint8_t(word);
	f = b.build();
	ASSERT_EQ(test::reference_udp6_checksum(&f[b.l3_offset()], &f[l4]), 0xffff);
	Parsed all_ones = parsed(b);
	EXPECT_TRUE(checksum_ok(all_ones));
	// The one datagram whose sum a zero field would complete: still wrong.
	all_ones.frame[l4 + 6] = all_ones.frame[l4 + 7] = 0;
	EXPECT_FALSE(checksum_ok(all_ones));
}

TEST(UdpChecksumIpv6, PartialSumIsAcceptedAndFinishesToTheWholeOne)
{
	for (size_t len : {0, 1, 18, 1400}) {
		SCOPED_TRACE(len);
		FrameBuilder6 b;
		b.with_payload_len(len);
		const Parsed whole = parsed(b);
		b.udp_checksum_mode = FrameBuilder6::UdpChecksum::partial;
		const Parsed p = parsed(b);
		const uint16_t field = test::get16(&p.frame[p.pkt.l4_offset + 6]);
		ASSERT_NE(field, test::get16(&whole.frame[whole.pkt.l4_offset + 6]));
		EXPECT_TRUE(udp_checksum_ipv6_is_partial(p.frame.data(), p.pkt, net16(field)));
		EXPECT_TRUE(checksum_ok(p));
		EXPECT_EQ(finish_udp_checksum(p.frame.data(), p.pkt),
			  net16(test::get16(&whole.frame[whole.pkt.l4_offset + 6])));
		EXPECT_FALSE(udp_checksum_ipv6_is_partial(whole.frame.data(), whole.pkt,
							  net16(test::get16(&whole.frame[whole.pkt.l4_offset + 6]))));
	}
}

} // namespace
} // namespace mcr::packet
