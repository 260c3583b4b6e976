// A second, deliberately plain reading of Ethernet [802.1Q] IPv4 UDP frames,
// written from the rules in lib/packet/parse.h rather than from its code:
// byte by byte, big-endian arithmetic, no DPDK types. The fuzz targets hold
// the fast-path parser and the rewrite against it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "packet/drop_reason.h"

namespace mcr::fuzz {

// Fields of an accepted frame, all in host order.
struct RefFrame {
	uint16_t vlan = 0; // VID of the one 802.1Q tag, 0 if untagged
	size_t l3 = 0;     // IPv4 header offset
	size_t ihl = 0;    // IPv4 header bytes, options included
	size_t total = 0;  // IPv4 total length
	uint8_t tos = 0;
	uint16_t id = 0;
	uint16_t frag = 0; // flags and offset word
	uint8_t ttl = 0;
	uint32_t src = 0;
	uint32_t dst = 0;
	uint16_t sport = 0;
	uint16_t dport = 0;
	uint16_t udp_len = 0;
	uint16_t udp_cksum = 0;

	size_t l4() const { return l3 + ihl; }
	size_t payload_offset() const { return l3 + ihl + 8; }
	size_t payload_len() const { return total - ihl - 8; }
};

uint16_t be16(const uint8_t *p);
uint32_t be32(const uint8_t *p);

// The drop reason the parser must give, checks in header order; on
// DropReason::none, *out is filled. verify_ip_checksum false is the
// parser's IpChecksum::trusted.
packet::DropReason reference_parse(std::span<const uint8_t> frame, RefFrame *out,
				   bool verify_ip_checksum = true);

// One's-complement sum of bytes as big-endian words (odd tail padded with
// zero), folded to 16 bits.
uint16_t ones_sum(std::span<const uint8_t> bytes, uint32_t initial = 0);

// The IPv4 header at frame + ref.l3 sums to 0xffff.
bool ipv4_checksum_verifies(std::span<const uint8_t> frame, const RefFrame &ref);

// partial: not good, and the field is the folded pseudo-header sum, as a
// local sender with checksum offload leaves it.
enum class UdpChecksum { absent, good, bad, partial };
// RFC 768 over the pseudo-header and the udp_len bytes of the datagram.
UdpChecksum udp_checksum_state(std::span<const uint8_t> frame, const RefFrame &ref);

// The state of a checksum the relay sent: partial is an input's notion
// (a sender left the sum for an offload); on output, a field that happens
// to equal the pseudo-header sum without verifying is just wrong.
inline UdpChecksum as_sent(UdpChecksum state)
{
	return state == UdpChecksum::partial ? UdpChecksum::bad : state;
}

const char *name_of(UdpChecksum state);

} // namespace mcr::fuzz
