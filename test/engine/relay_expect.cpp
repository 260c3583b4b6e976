#include "relay_expect.h"

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

namespace mcr::engine::test {

namespace {

using FlowKey = std::tuple<uint32_t, uint16_t, uint32_t>;

std::string mac_text(const MacBytes &m)
{
	char s[18];
	std::snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		      m[5]);
	return s;
}

std::string flow_text(const FlowKey &k)
{
	const uint32_t ip = std::get<0>(k);
	return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 0xff) + "." +
	       std::to_string((ip >> 8) & 0xff) + "." + std::to_string(ip & 0xff) + ":" +
	       std::to_string(std::get<1>(k)) + " flow " + std::to_string(std::get<2>(k));
}

} // namespace

void expect_frame(const Bytes &actual, const UdpFrame &expected)
{
	const Bytes want_bytes = build_frame(expected);
	std::string why;
	const std::optional<DecodedFrame> got = decode_frame(actual, &why);
	ASSERT_TRUE(got) << "captured frame does not decode: " << why;
	const std::optional<DecodedFrame> want = decode_frame(want_bytes, &why);
	ASSERT_TRUE(want) << "test bug: expected frame does not decode: " << why;

	EXPECT_EQ(mac_text(got->dst_mac), mac_text(want->dst_mac)) << "Ethernet destination";
	EXPECT_EQ(mac_text(got->src_mac), mac_text(want->src_mac)) << "Ethernet source";
	EXPECT_EQ(got->vlan_tci.has_value(), want->vlan_tci.has_value()) << "802.1Q tag presence";
	if (got->vlan_tci && want->vlan_tci) {
		EXPECT_EQ(*got->vlan_tci, *want->vlan_tci) << "802.1Q TCI";
	}
	EXPECT_EQ(got->version_ihl, want->version_ihl) << "IPv4 version/IHL";
	EXPECT_EQ(got->tos, want->tos) << "IPv4 TOS";
	EXPECT_EQ(got->ip_total_len, want->ip_total_len) << "IPv4 total length";
	EXPECT_EQ(got->ip_id, want->ip_id) << "IPv4 id";
	EXPECT_EQ(got->flags_fragment, want->flags_fragment) << "IPv4 flags/fragment";
	EXPECT_EQ(got->ttl, want->ttl) << "IPv4 TTL";
	EXPECT_EQ(got->protocol, want->protocol) << "IPv4 protocol";
	EXPECT_EQ(got->src_ip, want->src_ip) << "IPv4 source";
	EXPECT_EQ(got->dst_ip, want->dst_ip) << "IPv4 destination";
	EXPECT_EQ(got->ip_checksum, want->ip_checksum) << "IPv4 header checksum";
	EXPECT_EQ(got->ip_checksum, got->ip_checksum_recomputed) << "IPv4 header checksum does not verify";
	EXPECT_EQ(got->src_port, want->src_port) << "UDP source port";
	EXPECT_EQ(got->dst_port, want->dst_port) << "UDP destination port";
	EXPECT_EQ(got->udp_len, want->udp_len) << "UDP length";
	EXPECT_EQ(got->udp_checksum, want->udp_checksum) << "UDP checksum";
	if (expected.with_udp_checksum) {
		EXPECT_EQ(got->udp_checksum, got->udp_checksum_recomputed)
			<< "UDP checksum does not verify over the pseudo-header";
	}
	EXPECT_TRUE(got->payload == want->payload)
		<< "payload differs (flow " << payload_flow(got->payload) << " seq "
		<< payload_seq(got->payload) << ", expected flow " << payload_flow(want->payload)
		<< " seq " << payload_seq(want->payload) << ")";
	EXPECT_EQ(actual.size(), want_bytes.size()) << "frame length";
	EXPECT_TRUE(actual == want_bytes) << "frame bytes differ";
}

void expect_flows(const std::vector<Bytes> &actual, const std::vector<UdpFrame> &expected)
{
	EXPECT_EQ(actual.size(), expected.size()) << "frames on the port";
	std::map<FlowKey, std::vector<const Bytes *>> got;
	for (const Bytes &b : actual) {
		std::string why;
		const std::optional<DecodedFrame> d = decode_frame(b, &why);
		ASSERT_TRUE(d) << "captured frame does not decode: " << why;
		got[{d->dst_ip, d->dst_port, payload_flow(d->payload)}].push_back(&b);
	}
	std::map<FlowKey, std::vector<const UdpFrame *>> want;
	for (const UdpFrame &f : expected)
		want[{f.dst_ip, f.dst_port, payload_flow(f.payload)}].push_back(&f);

	for (const auto &[key, frames] : want) {
		SCOPED_TRACE(flow_text(key));
		const auto it = got.find(key);
		if (it == got.end()) {
			ADD_FAILURE() << "flow missing: " << frames.size() << " frames expected";
			continue;
		}
		ASSERT_EQ(it->second.size(), frames.size()) << "frames in the flow";
		for (size_t i = 0; i < frames.size(); i++) {
			SCOPED_TRACE("frame " + std::to_string(i) + " of the flow, expected seq " +
				     std::to_string(payload_seq(frames[i]->payload)));
			expect_frame(*it->second[i], *frames[i]);
		}
	}
	for (const auto &[key, frames] : got)
		EXPECT_TRUE(want.count(key)) << "unexpected flow " << flow_text(key) << ": "
					     << frames.size() << " frames";
}

} // namespace mcr::engine::test
