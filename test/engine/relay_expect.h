// What a relayed frame must look like, computed by the test from the frame
// it sent and the output it configured, and the field-by-field comparison
// of what net_pcap captured against it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "frame_builder.h"

namespace mcr::engine::test {

// One output as the test configured it, with the egress port's identity.
struct Hop {
	MacBytes dst_mac;   // next hop (group MAC or `mac:`)
	MacBytes src_mac;   // egress port's MAC
	uint32_t src_ip;    // egress port's address, or the output's `src`
	std::optional<uint32_t> dst_ip;
	std::optional<uint16_t> dst_port;
	std::optional<uint8_t> ttl; // absent: received TTL - 1
	std::optional<uint16_t> vlan;
	std::optional<uint8_t> dscp; // absent: TOS as received
};

// RFC 1112 group MAC, spelled out independently of the engine.
inline MacBytes group_mac(uint32_t group)
{
	return {0x01, 0x00, 0x5e, static_cast<uint8_t>((group >> 16) & 0x7f),
		static_cast<uint8_t>(group >> 8), static_cast<uint8_t>(group)};
}

// The frame a correct relay sends for `in` through `hop`: new Ethernet
// header and tag, source address, destination, TTL and DSCP as configured,
// the rest of TOS (ECN), id, DF, source port and payload kept, IPv4 options
// and padding gone, checksums from scratch (a datagram sent without one
// stays without).
inline UdpFrame relayed(const UdpFrame &in, const Hop &hop)
{
	UdpFrame out = in;
	out.dst_mac = hop.dst_mac;
	out.src_mac = hop.src_mac;
	out.vlan = hop.vlan;
	out.src_ip = hop.src_ip;
	out.dst_ip = hop.dst_ip.value_or(in.dst_ip);
	out.dst_port = hop.dst_port.value_or(in.dst_port);
	out.ttl = hop.ttl.value_or(static_cast<uint8_t>(in.ttl - 1));
	if (hop.dscp)
		out.tos = static_cast<uint8_t>(*hop.dscp << 2 | (in.tos & 0x03)); // ECN kept
	out.ip_options.clear();
	out.padding = 0;
	out.partial_udp_checksum = false; // the relay finishes it
	return out;
}

// Checks one captured frame against the expected one, field by field, then
// byte for byte; also that its own checksums verify.
void expect_frame(const Bytes &actual, const UdpFrame &expected);

// Groups both sides by flow (destination address and port, and the flow id
// in the payload) and checks that every flow carries exactly the expected
// frames in the expected order. Order across flows is not the relay's
// promise, so it is not checked.
void expect_flows(const std::vector<Bytes> &actual, const std::vector<UdpFrame> &expected);

} // namespace mcr::engine::test
