// Frames from the DPDK generator's templates parse with mcr's own parser,
// carry mcr-gen's header, and have checksums a receiver accepts: the
// incremental UDP checksum equals one computed from scratch.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include <rte_ip.h>
#include <rte_udp.h>

#include "packet/parse.h"
#include "packet/parse_ipv6.h"
#include "traffic/udp_frame.h"

using namespace mcr;
using namespace mcr::traffic;

namespace {

UdpFrameSpec spec_for(uint32_t size)
{
	UdpFrameSpec s;
	s.src_mac = {0x02, 0, 0, 0, 0, 1};
	s.dst_mac = multicast_mac(0xef010101);
	s.src_ip = 0xc6120102; // 198.18.1.2
	s.dst_ip = 0xef010101; // 239.1.1.1
	s.src_port = 4000;
	s.dst_port = 5000;
	s.ttl = 9;
	s.frame_size = size;
	s.flow_id = 42;
	return s;
}

// The UDP checksum recomputed over the frame as it is (field zeroed).
uint16_t udp_checksum_from_scratch(std::vector<uint8_t> frame)
{
	alignas(8) uint8_t copy[max_frame_size];
	std::memcpy(copy, frame.data(), frame.size());
	auto *ip = reinterpret_cast<rte_ipv4_hdr *>(copy + 14);
	auto *udp = reinterpret_cast<rte_udp_hdr *>(copy + 34);
	udp->dgram_cksum = 0;
	return rte_ipv4_udptcp_cksum(ip, udp);
}

Ipv6 v6(const char *text)
{
	Ipv6 a{};
	EXPECT_TRUE(parse_ipv6(text, &a)) << text;
	return a;
}

UdpFrameSpec spec6_for(uint32_t size)
{
	UdpFrameSpec s = spec_for(size);
	s.src_ip = v6("2001:2:0:1::2");
	s.dst_ip = v6("ff3e::1:1");
	s.dst_mac = multicast_mac(std::get<Ipv6>(s.dst_ip));
	return s;
}

// The IPv6 UDP checksum recomputed from scratch (field zeroed).
uint16_t udp6_checksum_from_scratch(std::vector<uint8_t> frame)
{
	alignas(8) uint8_t copy[max_frame_size];
	std::memcpy(copy, frame.data(), frame.size());
	auto *ip = reinterpret_cast<rte_ipv6_hdr *>(copy + 14);
	auto *udp = reinterpret_cast<rte_udp_hdr *>(copy + 54);
	udp->dgram_cksum = 0;
	return rte_ipv6_udptcp_cksum(ip, udp);
}

} // namespace

TEST(UdpFrame, ParsesWithTheRelaysParser)
{
	for (uint32_t size : {min_frame_size, 128u, 1024u, max_frame_size}) {
		const UdpFrameTemplate t(spec_for(size));
		std::vector<uint8_t> frame(t.size());
		t.write(frame.data(), 123, 456);
		ASSERT_EQ(frame.size(), size);
		packet::ParsedPacket pkt;
		ASSERT_EQ(packet::parse_frame(frame.data(), size, pkt), packet::DropReason::none) << size;
		EXPECT_EQ(rte_be_to_cpu_32(pkt.src_ip), 0xc6120102u);
		EXPECT_EQ(rte_be_to_cpu_32(pkt.dst_ip), 0xef010101u);
		EXPECT_EQ(rte_be_to_cpu_16(pkt.src_port), 4000);
		EXPECT_EQ(rte_be_to_cpu_16(pkt.dst_port), 5000);
		EXPECT_EQ(pkt.ttl, 9);
		EXPECT_EQ(packet::payload_len(pkt), size - udp_frame_overhead);

		PayloadHeader h;
		ASSERT_TRUE(decode_payload_header(frame.data() + packet::payload_offset(pkt),
						  packet::payload_len(pkt), &h));
		EXPECT_EQ(h.flow_id, 42u);
		EXPECT_EQ(h.seq, 123u);
		EXPECT_EQ(h.send_ns, 456u);
	}
}

TEST(UdpFrame, GoesToTheGroupsMac)
{
	const UdpFrameTemplate t(spec_for(128));
	const MacAddress want{0x01, 0x00, 0x5e, 0x01, 0x01, 0x01};
	EXPECT_EQ(std::memcmp(t.bytes(), want.data(), 6), 0);
	EXPECT_EQ(t.bytes()[12], 0x08);
	EXPECT_EQ(t.bytes()[13], 0x00);
}

TEST(UdpFrame, IncrementalChecksumEqualsAFullOne)
{
	std::mt19937_64 rng(7);
	for (uint32_t size : {min_frame_size, 67u, 200u, 1513u, max_frame_size}) {
		const UdpFrameTemplate t(spec_for(size));
		std::vector<uint8_t> frame(t.size());
		for (int i = 0; i < 2000; i++) {
			const uint64_t seq = i < 3 ? i : rng();
			t.write(frame.data(), seq, rng());
			uint16_t stored;
			std::memcpy(&stored, frame.data() + 34 + 6, 2);
			ASSERT_EQ(stored, udp_checksum_from_scratch(frame)) << "size " << size << " seq " << seq;
		}
	}
}

TEST(UdpFrame, ChecksumsVerify)
{
	const UdpFrameTemplate t(spec_for(300));
	alignas(8) uint8_t frame[max_frame_size];
	t.write(frame, 99, 1234567890123ull);
	const auto *ip = reinterpret_cast<const rte_ipv4_hdr *>(frame + 14);
	const auto *udp = reinterpret_cast<const rte_udp_hdr *>(frame + 34);
	EXPECT_EQ(rte_ipv4_cksum(ip), 0);
	EXPECT_EQ(rte_ipv4_udptcp_cksum_verify(ip, udp), 0);
	EXPECT_NE(udp->dgram_cksum, 0);
}

// The sequence field is in the frame, in the checksum (at even and odd
// offsets, where its bytes straddle checksum words), and leaves mcr-gen's
// header as it was.
TEST(UdpFrame, SequenceFieldIsWrittenAndChecksummed)
{
	std::mt19937_64 rng(11);
	for (const SeqField &field :
	     {SeqField{.offset = 24, .size = 8}, SeqField{.offset = 25, .size = 2, .big_endian = false},
	      SeqField{.offset = 31, .size = 4, .start = 0xfffffff0}, SeqField{.offset = 90, .size = 8}}) {
		UdpFrameSpec spec = spec_for(200);
		spec.seq_field = field;
		const UdpFrameTemplate t(spec);
		std::vector<uint8_t> frame(t.size());
		for (int i = 0; i < 500; i++) {
			const uint64_t seq = i < 20 ? i : rng();
			t.write(frame.data(), seq, rng());
			uint16_t stored;
			std::memcpy(&stored, frame.data() + 34 + 6, 2);
			ASSERT_EQ(stored, udp_checksum_from_scratch(frame)) << "offset " << field.offset;
			uint64_t value = 0;
			ASSERT_TRUE(field.read(frame.data() + udp_frame_overhead, 200 - udp_frame_overhead, &value));
			ASSERT_EQ(value, field.value(seq));
			PayloadHeader h;
			ASSERT_TRUE(decode_payload_header(frame.data() + udp_frame_overhead, 200 - udp_frame_overhead, &h));
			ASSERT_EQ(h.seq, seq);
		}
	}
}

TEST(UdpFrame, Ipv6FramesParseWithTheRelaysIpv6Parser)
{
	for (uint32_t size : {min_frame6_size, 128u, 1024u, max_frame_size}) {
		const UdpFrameTemplate t(spec6_for(size));
		std::vector<uint8_t> frame(t.size());
		t.write(frame.data(), 77, 888);
		ASSERT_EQ(frame.size(), size);
		EXPECT_EQ(frame[12], 0x86);
		EXPECT_EQ(frame[13], 0xdd);
		packet::ParsedPacket pkt;
		ASSERT_EQ(packet::parse_ipv6_frame(frame.data(), size, 14, 0, pkt), packet::DropReason::none)
			<< size;
		EXPECT_EQ(std::memcmp(frame.data() + 14 + 8, v6("2001:2:0:1::2").data(), 16), 0);
		EXPECT_EQ(std::memcmp(frame.data() + 14 + 24, v6("ff3e::1:1").data(), 16), 0);
		EXPECT_EQ(rte_be_to_cpu_16(pkt.dst_port), 5000);
		EXPECT_EQ(pkt.ttl, 9); // the hop limit
		EXPECT_EQ(packet::payload_len(pkt), size - udp6_frame_overhead);
		PayloadHeader h;
		ASSERT_TRUE(decode_payload_header(frame.data() + packet::payload_offset(pkt),
						  packet::payload_len(pkt), &h));
		EXPECT_EQ(h.flow_id, 42u);
		EXPECT_EQ(h.seq, 77u);
		EXPECT_EQ(h.send_ns, 888u);
	}
}

TEST(UdpFrame, Ipv6GoesToThe3333Mac)
{
	const UdpFrameTemplate t(spec6_for(128));
	const MacAddress want{0x33, 0x33, 0x00, 0x01, 0x00, 0x01};
	EXPECT_EQ(std::memcmp(t.bytes(), want.data(), 6), 0);
}

// IPv6 makes the UDP checksum mandatory: never zero, and right at every
// size and parity, with and without a sequence field at an odd offset.
TEST(UdpFrame, Ipv6IncrementalChecksumEqualsAFullOne)
{
	std::mt19937_64 rng(13);
	for (const SeqField &field : {SeqField{}, SeqField{.offset = 27, .size = 4}}) {
		for (uint32_t size : {min_frame6_size, 87u, 200u, 1513u, max_frame_size}) {
			if (field.enabled() && field.end() > size - udp6_frame_overhead)
				continue;
			UdpFrameSpec spec = spec6_for(size);
			spec.seq_field = field;
			const UdpFrameTemplate t(spec);
			std::vector<uint8_t> frame(t.size());
			for (int i = 0; i < 1000; i++) {
				const uint64_t seq = i < 3 ? i : rng();
				t.write(frame.data(), seq, rng());
				uint16_t stored;
				std::memcpy(&stored, frame.data() + 54 + 6, 2);
				ASSERT_NE(stored, 0);
				ASSERT_EQ(stored, udp6_checksum_from_scratch(frame)) << "size " << size;
				const auto *ip = reinterpret_cast<const rte_ipv6_hdr *>(frame.data() + 14);
				const auto *udp = reinterpret_cast<const rte_udp_hdr *>(frame.data() + 54);
				ASSERT_EQ(rte_ipv6_udptcp_cksum_verify(ip, udp), 0);
			}
		}
	}
}
