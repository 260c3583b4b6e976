// Every parse_frame verdict, on frames built field by field.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

#include "drop_reason_print.h"
#include "frame_builder.h"
#include "packet/parse.h"

namespace mcr::packet {
namespace {

using test::Bytes;
using test::FrameBuilder;
using test::ipv4;
using test::net16;
using test::net32;

DropReason parse(const Bytes &f, ParsedPacket &pkt, IpChecksum mode = IpChecksum::verify)
{
	return parse_frame(f.data(), static_cast<uint32_t>(f.size()), pkt, mode);
}

DropReason parse(const Bytes &f, IpChecksum mode = IpChecksum::verify)
{
	ParsedPacket pkt{};
	return parse(f, pkt, mode);
}

// The frame cut to its first n bytes.
Bytes cut(const Bytes &f, size_t n)
{
	return Bytes(f.begin(), f.begin() + static_cast<ptrdiff_t>(n));
}

TEST(Parse, AcceptsPlainFrameAndFillsEveryField)
{
	FrameBuilder b;
	b.src_ip = ipv4(198, 18, 0, 10);
	b.dst_ip = ipv4(239, 1, 2, 3);
	b.src_port = 40000;
	b.dst_port = 5000;
	b.ttl = 17;
	b.with_payload_len(100);
	const Bytes f = b.build();

	ParsedPacket pkt{};
	ASSERT_EQ(parse(f, pkt), DropReason::none);
	EXPECT_EQ(pkt.vlan, 0);
	EXPECT_EQ(pkt.l3_offset, 14);
	EXPECT_EQ(pkt.l4_offset, 34);
	EXPECT_EQ(pkt.ip_total_len, 20 + 8 + 100);
	EXPECT_EQ(pkt.src_ip, net32(ipv4(198, 18, 0, 10)));
	EXPECT_EQ(pkt.dst_ip, net32(ipv4(239, 1, 2, 3)));
	EXPECT_EQ(pkt.src_port, net16(40000));
	EXPECT_EQ(pkt.dst_port, net16(5000));
	EXPECT_EQ(pkt.ttl, 17);
	EXPECT_EQ(payload_offset(pkt), 42u);
	EXPECT_EQ(payload_len(pkt), 100u);
}

TEST(Parse, AcceptsEmptyUdpPayload)
{
	FrameBuilder b;
	b.payload.clear();
	ParsedPacket pkt{};
	ASSERT_EQ(parse(b.build(), pkt), DropReason::none);
	EXPECT_EQ(payload_len(pkt), 0u);
}

TEST(Parse, AcceptsUnalignedFrame)
{
	const Bytes f = FrameBuilder{}.build();
	Bytes storage(f.size() + 1);
	std::memcpy(storage.data() + 1, f.data(), f.size());
	ParsedPacket pkt{};
	EXPECT_EQ(parse_frame(storage.data() + 1, uint32_t(f.size()), pkt), DropReason::none);
	EXPECT_EQ(pkt.dst_port, net16(5000));
}

TEST(Parse, AcceptsOneVlanTagAndKeepsOnlyItsId)
{
	FrameBuilder b;
	b.tags = {{0x8100, 0xe000 | 0x1000 | 100}}; // PCP 7, DEI set, VID 100
	ParsedPacket pkt{};
	ASSERT_EQ(parse(b.build(), pkt), DropReason::none);
	EXPECT_EQ(pkt.vlan, 100);
	EXPECT_EQ(pkt.l3_offset, 18);
	EXPECT_EQ(pkt.l4_offset, 38);
}

TEST(Parse, PriorityTaggedFrameReadsAsUntagged)
{
	FrameBuilder b;
	b.tags = {{0x8100, 0x6000}}; // VID 0: 802.1p priority only
	ParsedPacket pkt{};
	ASSERT_EQ(parse(b.build(), pkt), DropReason::none);
	EXPECT_EQ(pkt.vlan, 0);
	EXPECT_EQ(pkt.l3_offset, 18);
}

TEST(Parse, RejectsStackedTags)
{
	const std::vector<std::vector<test::Tag>> stacks = {
		{{0x88a8, 10}, {0x8100, 20}}, // 802.1ad
		{{0x8100, 10}, {0x8100, 20}}, // double 802.1Q
		{{0x8100, 10}, {0x88a8, 20}},
		{{0x9100, 10}, {0x8100, 20}}, // pre-standard QinQ
		{{0x88a8, 10}},               // service tag alone
	};
	for (const auto &stack : stacks) {
		FrameBuilder b;
		b.tags = stack;
		EXPECT_EQ(parse(b.build()), DropReason::vlan_unsupported) << "outer tpid " << stack[0].tpid;
	}
}

TEST(Parse, AcceptsOptionsAndSkipsThem)
{
	FrameBuilder b;
	b.options = {0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00}; // router alert, NOP, NOP, NOP, EOL
	b.with_payload_len(10);
	ParsedPacket pkt{};
	ASSERT_EQ(parse(b.build(), pkt), DropReason::none);
	EXPECT_EQ(pkt.l4_offset, 14 + 28);
	EXPECT_EQ(pkt.ip_total_len, 28 + 8 + 10);
	EXPECT_EQ(pkt.dst_port, net16(5000));
	EXPECT_EQ(payload_len(pkt), 10u);
}

TEST(Parse, AcceptsLargestOptions)
{
	FrameBuilder b;
	b.options = Bytes(40, 0x01); // IHL 15
	ParsedPacket pkt{};
	ASSERT_EQ(parse(b.build(), pkt), DropReason::none);
	EXPECT_EQ(pkt.l4_offset, 14 + 60);
}

TEST(Parse, IgnoresEthernetPadding)
{
	FrameBuilder b;
	b.with_payload_len(2);
	b.padding = 16; // 60-byte minimum frame
	const Bytes f = b.build();
	ASSERT_EQ(f.size(), 60u);
	ParsedPacket pkt{};
	ASSERT_EQ(parse(f, pkt), DropReason::none);
	EXPECT_EQ(pkt.ip_total_len, 30);
	EXPECT_EQ(payload_len(pkt), 2u);
}

TEST(Parse, AcceptsUdpLengthShorterThanIpPayload)
{
	FrameBuilder b;
	b.with_payload_len(10);
	b.udp_length = 8 + 4;
	EXPECT_EQ(parse(b.build()), DropReason::none);
}

TEST(Parse, AcceptsDontFragment)
{
	FrameBuilder b;
	b.flags_offset = 0x4000;
	EXPECT_EQ(parse(b.build()), DropReason::none);
	b.flags_offset = 0;
	EXPECT_EQ(parse(b.build()), DropReason::none);
}

// Cutting a frame anywhere before the end of its UDP header must say
// "truncated": runt Ethernet, inside the tag, the IPv4 header, the options,
// the UDP header.
TEST(Parse, EveryCutBeforeUdpHeaderEndIsTruncated)
{
	FrameBuilder plain;
	FrameBuilder tagged;
	tagged.tags = {{0x8100, 7}};
	FrameBuilder with_options;
	with_options.options = Bytes(12, 0x01);
	FrameBuilder tagged_options = with_options;
	tagged_options.tags = tagged.tags;

	for (const FrameBuilder *b : {&plain, &tagged, &with_options, &tagged_options}) {
		const Bytes f = b->build();
		const size_t udp_end = b->l4_offset() + 8;
		ASSERT_EQ(parse(f), DropReason::none);
		for (size_t n = 0; n < udp_end; ++n)
			EXPECT_EQ(parse(cut(f, n)), DropReason::truncated)
				<< "cut at " << n << " of a frame with UDP ending at " << udp_end;
	}
}

TEST(Parse, NamedTruncationPoints)
{
	FrameBuilder b;
	b.tags = {{0x8100, 7}};
	b.options = Bytes(8, 0x01);
	const Bytes f = b.build();
	EXPECT_EQ(parse(cut(f, 0)), DropReason::truncated);      // empty
	EXPECT_EQ(parse(cut(f, 13)), DropReason::truncated);     // runt Ethernet
	EXPECT_EQ(parse(cut(f, 16)), DropReason::truncated);     // inside the tag
	EXPECT_EQ(parse(cut(f, 18 + 19)), DropReason::truncated); // IPv4 fixed header
	EXPECT_EQ(parse(cut(f, 18 + 20)), DropReason::truncated); // options missing
	EXPECT_EQ(parse(cut(f, 18 + 27)), DropReason::truncated); // options cut
	EXPECT_EQ(parse(cut(f, 18 + 28 + 7)), DropReason::truncated); // UDP header cut
}

TEST(Parse, CutInsidePayloadIsBadLength)
{
	FrameBuilder b;
	b.with_payload_len(50);
	const Bytes f = b.build();
	for (size_t n = b.l4_offset() + 8; n < f.size(); ++n)
		EXPECT_EQ(parse(cut(f, n)), DropReason::bad_length) << "cut at " << n;
}

TEST(Parse, RejectsWrongIpVersion)
{
	for (uint8_t version : {0, 5, 6, 15}) {
		FrameBuilder b;
		b.version = version;
		EXPECT_EQ(parse(b.build()), DropReason::bad_version) << int(version);
	}
}

TEST(Parse, RejectsIhlBelowFive)
{
	for (uint8_t ihl = 0; ihl < 5; ++ihl) {
		FrameBuilder b;
		b.ihl = ihl;
		EXPECT_EQ(parse(b.build()), DropReason::bad_ihl) << int(ihl);
	}
}

TEST(Parse, RejectsIhlBeyondFrame)
{
	FrameBuilder b;
	b.ihl = 15; // 60-byte header, but the frame ends well before
	b.payload.clear();
	EXPECT_EQ(parse(b.build()), DropReason::truncated);
}

TEST(Parse, RejectsTotalLengthAboveFrame)
{
	FrameBuilder b;
	b.with_payload_len(20);
	b.total_length = 20 + 8 + 20 + 1;
	EXPECT_EQ(parse(b.build()), DropReason::bad_length);
	b.total_length = 0xffff;
	EXPECT_EQ(parse(b.build()), DropReason::bad_length);
}

TEST(Parse, RejectsTotalLengthBelowHeaders)
{
	FrameBuilder b;
	b.with_payload_len(20);
	for (uint16_t total : {0, 10, 20, 27}) {
		b.total_length = total;
		EXPECT_EQ(parse(b.build()), DropReason::bad_length) << total;
	}
	// With options the floor moves up with the IHL.
	b.options = Bytes(8, 0x01);
	b.total_length = 28 + 7;
	EXPECT_EQ(parse(b.build()), DropReason::bad_length);
	b.total_length = 28 + 8;
	b.udp_length = 8;
	EXPECT_EQ(parse(b.build()), DropReason::none);
}

TEST(Parse, RejectsBadUdpLength)
{
	FrameBuilder b;
	b.with_payload_len(20);
	for (uint16_t udp_len : {0, 1, 7}) {
		b.udp_length = udp_len;
		EXPECT_EQ(parse(b.build()), DropReason::bad_length) << udp_len;
	}
	b.udp_length = 8 + 20 + 1; // one past the IP payload
	EXPECT_EQ(parse(b.build()), DropReason::bad_length);
	b.padding = 10; // bytes in the frame do not count, only the IP payload
	EXPECT_EQ(parse(b.build()), DropReason::bad_length);
	b.udp_length = 8 + 20;
	EXPECT_EQ(parse(b.build()), DropReason::none);
}

TEST(Parse, RejectsBadHeaderChecksum)
{
	FrameBuilder b;
	const Bytes good = b.build();
	Bytes f = good;
	f[14 + 10] ^= 0x01;
	EXPECT_EQ(parse(f), DropReason::bad_checksum);

	// A flipped bit anywhere in the header, not only in the field.
	f = good;
	f[14 + 8] ^= 0x80; // TTL
	EXPECT_EQ(parse(f), DropReason::bad_checksum);
}

TEST(Parse, ChecksumCoversOptions)
{
	FrameBuilder b;
	b.options = Bytes(8, 0x01);
	Bytes f = b.build();
	ASSERT_EQ(parse(f), DropReason::none);
	f[14 + 20 + 3] ^= 0x10;
	EXPECT_EQ(parse(f), DropReason::bad_checksum);
}

TEST(Parse, TrustedChecksumIsNotRecomputed)
{
	FrameBuilder b;
	b.ip_checksum = 0xdead;
	const Bytes f = b.build();
	EXPECT_EQ(parse(f, IpChecksum::verify), DropReason::bad_checksum);
	EXPECT_EQ(parse(f, IpChecksum::trusted), DropReason::none);
}

TEST(Parse, RxFlagsSelectChecksumMode)
{
	EXPECT_EQ(ip_checksum_from_rx_flags(RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN), IpChecksum::verify);
	EXPECT_EQ(ip_checksum_from_rx_flags(RTE_MBUF_F_RX_IP_CKSUM_BAD), IpChecksum::verify);
	EXPECT_EQ(ip_checksum_from_rx_flags(RTE_MBUF_F_RX_IP_CKSUM_GOOD), IpChecksum::trusted);
	EXPECT_EQ(ip_checksum_from_rx_flags(RTE_MBUF_F_RX_IP_CKSUM_NONE), IpChecksum::trusted);
	EXPECT_EQ(ip_checksum_from_rx_flags(RTE_MBUF_F_RX_L4_CKSUM_GOOD), IpChecksum::verify);
}

TEST(Parse, RejectsFragments)
{
	FrameBuilder b;
	b.flags_offset = 0x2000; // MF, first fragment
	EXPECT_EQ(parse(b.build()), DropReason::fragment);
	b.flags_offset = 0x0001; // offset 8, last fragment
	EXPECT_EQ(parse(b.build()), DropReason::fragment);
	b.flags_offset = 0x1fff; // largest offset
	EXPECT_EQ(parse(b.build()), DropReason::fragment);
	b.flags_offset = 0x4000 | 0x2000 | 0x0010;
	EXPECT_EQ(parse(b.build()), DropReason::fragment);
}

TEST(Parse, RejectsOtherEthertypes)
{
	for (uint16_t type : {0x0806 /* ARP */, 0x8847 /* MPLS */, 0x88cc /* LLDP */}) {
		FrameBuilder b;
		b.ether_type = type;
		EXPECT_EQ(parse(b.build()), DropReason::not_ip) << std::hex << type;
		b.tags = {{0x8100, 5}};
		EXPECT_EQ(parse(b.build()), DropReason::not_ip) << "tagged " << std::hex << type;
	}
}

TEST(Parse, RejectsOtherProtocols)
{
	for (uint8_t proto : {1 /* ICMP */, 2 /* IGMP */, 6 /* TCP */, 132 /* SCTP */}) {
		FrameBuilder b;
		b.protocol = proto;
		EXPECT_EQ(parse(b.build()), DropReason::not_udp) << int(proto);
	}
}

// When several things are wrong, the first in header order is reported.
TEST(Parse, ReportsFirstProblemInHeaderOrder)
{
	FrameBuilder b;
	b.protocol = 6;
	b.flags_offset = 0x2000;
	EXPECT_EQ(parse(b.build()), DropReason::fragment);
	b.ip_checksum = 0;
	EXPECT_EQ(parse(b.build()), DropReason::bad_checksum);
	b.ihl = 4;
	EXPECT_EQ(parse(b.build()), DropReason::bad_ihl);
	b.version = 6;
	EXPECT_EQ(parse(b.build()), DropReason::bad_version);
	b.ether_type = 0x0806;
	EXPECT_EQ(parse(b.build()), DropReason::not_ip);
}

// An IPv6 ethertype, tagged or not, goes to parse_ipv6_frame (whose own
// cases are in parse_ipv6_test.cpp): an IPv4 header behind it is a bad
// version, not a frame of another protocol.
TEST(Parse, HandsIpv6EthertypeToTheIpv6Parser)
{
	FrameBuilder b;
	b.ether_type = 0x86dd;
	EXPECT_EQ(parse(b.build()), DropReason::bad_version);
	b.tags = {{0x8100, 5}};
	EXPECT_EQ(parse(b.build()), DropReason::bad_version);
}

TEST(DropReasonName, NamesEveryReasonDistinctly)
{
	EXPECT_STREQ(drop_reason_name(DropReason::none), "none");
	EXPECT_STREQ(drop_reason_name(DropReason::not_ip), "not-ip");
	EXPECT_STREQ(drop_reason_name(DropReason::not_udp), "not-udp");
	EXPECT_STREQ(drop_reason_name(DropReason::truncated), "truncated");
	EXPECT_STREQ(drop_reason_name(DropReason::bad_version), "bad-version");
	EXPECT_STREQ(drop_reason_name(DropReason::bad_ihl), "bad-ihl");
	EXPECT_STREQ(drop_reason_name(DropReason::bad_length), "bad-length");
	EXPECT_STREQ(drop_reason_name(DropReason::bad_checksum), "bad-checksum");
	EXPECT_STREQ(drop_reason_name(DropReason::fragment), "fragment");
	EXPECT_STREQ(drop_reason_name(DropReason::ttl_expired), "ttl-expired");
	EXPECT_STREQ(drop_reason_name(DropReason::no_rule), "no-rule");
	EXPECT_STREQ(drop_reason_name(DropReason::vlan_unsupported), "vlan-unsupported");
	EXPECT_STREQ(drop_reason_name(DropReason::no_buffer), "no-buffer");
	EXPECT_STREQ(drop_reason_name(DropReason::tx_full), "tx-full");

	std::set<std::string> seen;
	for (size_t i = 0; i < drop_reason_count; ++i) {
		const char *name = drop_reason_name(static_cast<DropReason>(i));
		ASSERT_NE(name, nullptr);
		EXPECT_TRUE(seen.insert(name).second) << name;
	}
	EXPECT_STREQ(drop_reason_name(DropReason::count), "unknown");
	EXPECT_STREQ(drop_reason_name(static_cast<DropReason>(200)), "unknown");
}

} // namespace
} // namespace mcr::packet

TEST(L2Destination, GroupsNeedTheirOwnMacAndUnicastNeedsThePortsMac)
{
	const rte_ether_addr port_mac{{0x02, 0, 0, 0, 0x01, 0x01}};
	const auto ip_be = [](uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
		const uint8_t bytes[4] = {a, b, c, d};
		uint32_t v;
		std::memcpy(&v, bytes, 4);
		return v;
	};
	const uint8_t group_mac[6] = {0x01, 0x00, 0x5e, 0x01, 0x01, 0x01};
	const uint8_t aliased_mac[6] = {0x01, 0x00, 0x5e, 0x01, 0x01, 0x02};
	const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const uint8_t other_host[6] = {0x02, 0, 0, 0, 0x09, 0x09};
	// 239.129.1.1 maps to the same MAC as 239.1.1.1 (23 bits): accepted.
	EXPECT_TRUE(mcr::packet::l2_destination_ok(group_mac, ip_be(239, 1, 1, 1), port_mac));
	EXPECT_TRUE(mcr::packet::l2_destination_ok(group_mac, ip_be(239, 129, 1, 1), port_mac));
	EXPECT_FALSE(mcr::packet::l2_destination_ok(aliased_mac, ip_be(239, 1, 1, 1), port_mac));
	EXPECT_FALSE(mcr::packet::l2_destination_ok(broadcast, ip_be(239, 1, 1, 1), port_mac));
	EXPECT_FALSE(mcr::packet::l2_destination_ok(port_mac.addr_bytes, ip_be(239, 1, 1, 1), port_mac));
	EXPECT_TRUE(mcr::packet::l2_destination_ok(port_mac.addr_bytes, ip_be(198, 18, 1, 1), port_mac));
	EXPECT_FALSE(mcr::packet::l2_destination_ok(group_mac, ip_be(198, 18, 1, 1), port_mac));
	EXPECT_FALSE(mcr::packet::l2_destination_ok(broadcast, ip_be(198, 18, 1, 1), port_mac));
	EXPECT_FALSE(mcr::packet::l2_destination_ok(other_host, ip_be(198, 18, 1, 1), port_mac));
}
