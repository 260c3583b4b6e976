// IPv6 frames for the golden pcaps: received frames built with
// test/packet's FrameBuilder6 (its own checksum arithmetic), the frame a
// correct relay sends for one, and the field-by-field check of a captured
// IPv6 frame against it, its UDP checksum recomputed here from the bytes.
// The IPv4 side stays relay_expect.h's.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../packet/frame_builder_ipv6.h"
#include "frame_builder.h"
#include "relay_expect.h"

namespace mcr::engine::test {

using packet::test::FrameBuilder6;
using Ipv6Bytes = packet::test::Ipv6Bytes;

// An IPv6 address from its eight 16-bit groups, as written (ff3e::1:2 is
// {0xff3e, 0, 0, 0, 0, 0, 1, 2}).
inline Ipv6Bytes ip6(const std::array<uint16_t, 8> &groups)
{
	Ipv6Bytes a{};
	for (size_t i = 0; i < 8; i++) {
		a[2 * i] = static_cast<uint8_t>(groups[i] >> 8);
		a[2 * i + 1] = static_cast<uint8_t>(groups[i]);
	}
	return a;
}

// RFC 2464 7, spelled out independently of the engine.
inline MacBytes group_mac6(const Ipv6Bytes &g)
{
	return {0x33, 0x33, g[12], g[13], g[14], g[15]};
}

// A received IPv6 datagram of flow `flow`, sequence `seq`.
inline FrameBuilder6 frame6(const MacBytes &src_mac, const Ipv6Bytes &src, const Ipv6Bytes &dst,
			    uint16_t dport, uint32_t flow, uint32_t seq, size_t payload_len)
{
	FrameBuilder6 f;
	const MacBytes dst_mac = group_mac6(dst);
	std::copy(dst_mac.begin(), dst_mac.end(), f.dst_mac);
	std::copy(src_mac.begin(), src_mac.end(), f.src_mac);
	f.src = src;
	f.dst = dst;
	f.src_port = static_cast<uint16_t>(40000 + flow);
	f.dst_port = dport;
	f.payload = sequenced_payload(flow, seq, payload_len);
	return f;
}

// One IPv6 output as the test configured it.
struct Hop6 {
	MacBytes dst_mac;
	MacBytes src_mac;
	Ipv6Bytes src; // egress port's, the given one, or the received (keep)
	std::optional<Ipv6Bytes> dst; // absent: kept
	std::optional<uint16_t> dst_port;
	std::optional<uint8_t> hop_limit; // absent: received - 1
	std::optional<uint16_t> vlan;
	std::optional<uint8_t> dscp;
};

// The frame a correct relay sends for an IPv6 datagram through an IPv6
// output: extension headers and padding gone, flow label carried, traffic
// class's ECN kept.
inline FrameBuilder6 relayed6(const FrameBuilder6 &in, const Hop6 &hop)
{
	FrameBuilder6 out = in;
	std::copy(hop.dst_mac.begin(), hop.dst_mac.end(), out.dst_mac);
	std::copy(hop.src_mac.begin(), hop.src_mac.end(), out.src_mac);
	out.tags.clear();
	if (hop.vlan)
		out.tags.push_back({0x8100, *hop.vlan});
	out.src = hop.src;
	out.dst = hop.dst.value_or(in.dst);
	out.dst_port = hop.dst_port.value_or(in.dst_port);
	out.hop_limit = hop.hop_limit.value_or(static_cast<uint8_t>(in.hop_limit - 1));
	if (hop.dscp)
		out.traffic_class = static_cast<uint8_t>(*hop.dscp << 2 | (in.traffic_class & 0x03));
	out.ext.clear();
	out.payload_length.reset();
	out.udp_length.reset();
	out.udp_checksum.reset();
	out.udp_checksum_mode = FrameBuilder6::UdpChecksum::compute;
	out.padding = 0;
	return out;
}

// The IPv6 frame a correct relay sends for an IPv4 datagram: traffic class
// from the TOS (DSCP replaced if set), flow label 0, hop limit from TTL.
inline FrameBuilder6 relayed4to6(const UdpFrame &in, const Hop6 &hop)
{
	FrameBuilder6 out;
	std::copy(hop.dst_mac.begin(), hop.dst_mac.end(), out.dst_mac);
	std::copy(hop.src_mac.begin(), hop.src_mac.end(), out.src_mac);
	if (hop.vlan)
		out.tags.push_back({0x8100, *hop.vlan});
	out.traffic_class = hop.dscp ? static_cast<uint8_t>(*hop.dscp << 2 | (in.tos & 0x03)) : in.tos;
	out.flow_label = 0;
	out.hop_limit = hop.hop_limit.value_or(static_cast<uint8_t>(in.ttl - 1));
	out.src = hop.src;
	out.dst = *hop.dst;
	out.src_port = in.src_port;
	out.dst_port = hop.dst_port.value_or(in.dst_port);
	out.payload = in.payload;
	return out;
}

// The IPv4 frame a correct relay sends for an IPv6 datagram: id 0, DF
// set, TTL from the hop limit, TOS from the traffic class.
inline UdpFrame relayed6to4(const FrameBuilder6 &in, const Hop &hop)
{
	UdpFrame out;
	out.dst_mac = hop.dst_mac;
	out.src_mac = hop.src_mac;
	out.vlan = hop.vlan;
	out.tos = hop.dscp ? static_cast<uint8_t>(*hop.dscp << 2 | (in.traffic_class & 0x03))
			   : in.traffic_class;
	out.ip_id = 0;
	out.flags_fragment = 0x4000;
	out.ttl = hop.ttl.value_or(static_cast<uint8_t>(in.hop_limit - 1));
	out.src_ip = hop.src_ip;
	out.dst_ip = *hop.dst_ip;
	out.src_port = in.src_port;
	out.dst_port = hop.dst_port.value_or(in.dst_port);
	out.payload = in.payload;
	return out;
}

// A captured Eth [802.1Q] IPv6 UDP frame (no extension headers) as fields.
struct Decoded6 {
	MacBytes dst_mac;
	MacBytes src_mac;
	std::optional<uint16_t> vlan_tci;
	uint8_t version;
	uint8_t traffic_class;
	uint32_t flow_label;
	uint16_t payload_len;
	uint8_t next_header;
	uint8_t hop_limit;
	Ipv6Bytes src;
	Ipv6Bytes dst;
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t udp_len;
	uint16_t udp_checksum;
	Bytes payload;
	uint16_t udp_checksum_recomputed; // from the bytes, this file's arithmetic
};

inline std::optional<Decoded6> decode6(const Bytes &b, std::string *why)
{
	Decoded6 d{};
	if (b.size() < 14) {
		*why = "shorter than an Ethernet header";
		return std::nullopt;
	}
	std::copy(b.begin(), b.begin() + 6, d.dst_mac.begin());
	std::copy(b.begin() + 6, b.begin() + 12, d.src_mac.begin());
	size_t l3 = 14;
	uint16_t type = read16(&b[12]);
	if (type == 0x8100 && b.size() >= 18) {
		d.vlan_tci = read16(&b[14]);
		type = read16(&b[16]);
		l3 = 18;
	}
	if (type != 0x86dd || b.size() < l3 + 48) {
		*why = "not IPv6 + UDP, or truncated";
		return std::nullopt;
	}
	const uint8_t *ip = &b[l3];
	const uint32_t first = read32(ip);
	d.version = static_cast<uint8_t>(first >> 28);
	d.traffic_class = static_cast<uint8_t>(first >> 20);
	d.flow_label = first & 0xfffff;
	d.payload_len = read16(ip + 4);
	d.next_header = ip[6];
	d.hop_limit = ip[7];
	std::copy(ip + 8, ip + 24, d.src.begin());
	std::copy(ip + 24, ip + 40, d.dst.begin());
	if (l3 + 40 + d.payload_len != b.size() || d.next_header != 17) {
		*why = "payload length not the frame's rest, or extension headers";
		return std::nullopt;
	}
	const uint8_t *udp = ip + 40;
	d.src_port = read16(udp);
	d.dst_port = read16(udp + 2);
	d.udp_len = read16(udp + 4);
	d.udp_checksum = read16(udp + 6);
	if (d.udp_len != d.payload_len) {
		*why = "UDP length disagrees with the IPv6 payload length";
		return std::nullopt;
	}
	d.payload.assign(udp + 8, udp + d.udp_len);
	// RFC 8200 8.1, summed here word by word.
	uint32_t sum = sum16(ip + 8, 32);
	sum += d.udp_len;
	sum += 17;
	sum = sum16(udp, 6, sum);
	sum = sum16(udp + 8, d.udp_len - 8u, sum);
	const auto c = static_cast<uint16_t>(~fold16(sum));
	d.udp_checksum_recomputed = c == 0 ? 0xffff : c;
	return d;
}

// One captured IPv6 frame against the expected one, field by field, then
// byte for byte; its UDP checksum must verify (never 0).
inline void expect_frame6(const Bytes &actual, const FrameBuilder6 &expected)
{
	const Bytes want_bytes = expected.build();
	std::string why;
	const std::optional<Decoded6> got = decode6(actual, &why);
	ASSERT_TRUE(got) << "captured frame does not decode as IPv6: " << why;
	const std::optional<Decoded6> want = decode6(want_bytes, &why);
	ASSERT_TRUE(want) << "test bug: expected frame does not decode: " << why;
	EXPECT_EQ(got->dst_mac, want->dst_mac) << "Ethernet destination";
	EXPECT_EQ(got->src_mac, want->src_mac) << "Ethernet source";
	EXPECT_EQ(got->vlan_tci, want->vlan_tci) << "802.1Q tag";
	EXPECT_EQ(got->version, 6) << "IPv6 version";
	EXPECT_EQ(got->traffic_class, want->traffic_class) << "IPv6 traffic class";
	EXPECT_EQ(got->flow_label, want->flow_label) << "IPv6 flow label";
	EXPECT_EQ(got->payload_len, want->payload_len) << "IPv6 payload length";
	EXPECT_EQ(got->next_header, 17) << "IPv6 next header";
	EXPECT_EQ(got->hop_limit, want->hop_limit) << "IPv6 hop limit";
	EXPECT_EQ(got->src, want->src) << "IPv6 source";
	EXPECT_EQ(got->dst, want->dst) << "IPv6 destination";
	EXPECT_EQ(got->src_port, want->src_port) << "UDP source port";
	EXPECT_EQ(got->dst_port, want->dst_port) << "UDP destination port";
	EXPECT_EQ(got->udp_len, want->udp_len) << "UDP length";
	EXPECT_NE(got->udp_checksum, 0) << "IPv6 UDP checksum missing";
	EXPECT_EQ(got->udp_checksum, got->udp_checksum_recomputed) << "UDP checksum does not verify";
	EXPECT_EQ(got->udp_checksum, want->udp_checksum) << "UDP checksum";
	EXPECT_TRUE(got->payload == want->payload)
		<< "payload differs (flow " << payload_flow(got->payload) << " seq "
		<< payload_seq(got->payload) << ")";
	EXPECT_TRUE(actual == want_bytes) << "frame bytes differ";
}

// What a port sent, in order, against expected IPv6 frames.
inline void expect_frames6(const std::vector<Bytes> &actual, const std::vector<FrameBuilder6> &expected,
			   const std::string &what)
{
	SCOPED_TRACE(what);
	ASSERT_EQ(actual.size(), expected.size()) << "frames on the port";
	for (size_t i = 0; i < actual.size(); i++) {
		SCOPED_TRACE("frame " + std::to_string(i));
		expect_frame6(actual[i], expected[i]);
	}
}

// The same for IPv4 frames, in order (expect_flows groups by IPv4 flow).
inline void expect_frames4(const std::vector<Bytes> &actual, const std::vector<UdpFrame> &expected,
			   const std::string &what)
{
	SCOPED_TRACE(what);
	ASSERT_EQ(actual.size(), expected.size()) << "frames on the port";
	for (size_t i = 0; i < actual.size(); i++) {
		SCOPED_TRACE("frame " + std::to_string(i));
		expect_frame(actual[i], expected[i]);
	}
}

} // namespace mcr::engine::test
