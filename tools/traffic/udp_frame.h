// Ethernet/IPv4/UDP and Ethernet/IPv6/UDP frames for the DPDK generator, built once per flow as
// a template and copied per packet. Only the sequence number and the send
// stamp change between packets (and the sequence field, when there is
// one), so the UDP checksum is finished from a sum precomputed over
// everything else plus those bytes; the IPv4 header never changes (DF
// set, id 0, as RFC 6864 allows for atomic datagrams), nor does its
// checksum. IPv6 frames carry no extension headers and always a UDP
// checksum, which IPv6 makes mandatory (RFC 8200 section 8.1).
#pragma once

#include <cstdint>
#include <vector>

#include "traffic/address.h"
#include "traffic/payload_header.h"
#include "traffic/seq_field.h"

namespace mcr::traffic {

// Ethernet (14) + IPv4 (20) + UDP (8): "frame size" in the tools is the
// frame without FCS, so the UDP payload is size - 42.
inline constexpr uint32_t udp_frame_overhead = 42;
// Ethernet (14) + IPv6 (40) + UDP (8): an IPv6 frame of the same size
// carries 20 bytes less payload.
inline constexpr uint32_t udp6_frame_overhead = 62;
inline constexpr uint32_t min_frame_size = udp_frame_overhead + payload_header_size; // 66
inline constexpr uint32_t min_frame6_size = udp6_frame_overhead + payload_header_size; // 86
inline constexpr uint32_t max_frame_size = 1514; // a full 1500-byte IP packet

inline uint32_t frame_overhead(const IpAddress &dst)
{
	return is_ipv6(dst) ? udp6_frame_overhead : udp_frame_overhead;
}

struct UdpFrameSpec {
	MacAddress src_mac{};
	MacAddress dst_mac{};
	IpAddress src_ip = uint32_t{0}; // the same family as dst_ip
	IpAddress dst_ip = uint32_t{0};
	uint16_t src_port = 0;
	uint16_t dst_port = 0;
	uint8_t ttl = 16; // IPv6: the hop limit
	uint32_t frame_size = min_frame_size; // [min_frame_size or min_frame6_size, max_frame_size]
	uint32_t flow_id = 0;
	SeqField seq_field; // a copy of the sequence in the filler, if enabled
};

class UdpFrameTemplate {
public:
	explicit UdpFrameTemplate(const UdpFrameSpec &spec);

	uint32_t size() const { return static_cast<uint32_t>(bytes_.size()); }
	const uint8_t *bytes() const { return bytes_.data(); }

	// Writes the frame for one packet into dst[0, size()).
	void write(uint8_t *dst, uint64_t seq, uint64_t send_ns) const;

private:
	std::vector<uint8_t> bytes_;
	// One's-complement sum (unfolded) of the UDP pseudo-header, header and
	// payload with the sequence, stamp and sequence field zero.
	uint64_t udp_partial_sum_ = 0;
	SeqField seq_field_;
	uint32_t udp_offset_ = 0;
};

} // namespace mcr::traffic
