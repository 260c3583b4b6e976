#include "reference_ipv6.h"

#include <algorithm>

namespace mcr::fuzz {

using packet::DropReason;

namespace {

constexpr uint8_t hop_by_hop = 0;
constexpr uint8_t udp = 17;
constexpr uint8_t routing = 43;
constexpr uint8_t fragment = 44;
constexpr uint8_t destination_options = 60;
constexpr unsigned max_skipped = 8; // parse_ipv6.h's bound

} // namespace

DropReason reference_parse_ipv6(std::span<const uint8_t> frame, size_t l3, RefDatagram6 *out)
{
	const size_t n = frame.size();
	const uint8_t *b = frame.data();
	if (n < l3 + 40)
		return DropReason::truncated;
	if (b[l3] >> 4 != 6)
		return DropReason::bad_version;
	const size_t end = l3 + 40 + be16(b + l3 + 4);

	uint8_t next = b[l3 + 6];
	size_t at = l3 + 40;
	unsigned skipped = 0;
	while (next != udp) {
		if (next == fragment)
			return DropReason::fragment;
		if (next != hop_by_hop && next != routing && next != destination_options)
			return DropReason::not_udp;
		if (next == hop_by_hop && at != l3 + 40)
			return DropReason::bad_ext_header;
		skipped++;
		if (skipped > max_skipped)
			return DropReason::ext_chain_too_long;
		if (at + 2 > n)
			return DropReason::truncated;
		const size_t size = 8 * (size_t{b[at + 1]} + 1);
		if (at + size > n)
			return DropReason::truncated;
		if (at + size > end)
			return DropReason::bad_length;
		if (next == routing && b[at + 3] != 0)
			return DropReason::bad_ext_header;
		next = b[at];
		at += size;
	}

	if (at + 8 > n)
		return DropReason::truncated;
	if (end > n || at + 8 > end)
		return DropReason::bad_length;
	RefDatagram6 r;
	r.udp_len = be16(b + at + 4);
	if (r.udp_len < 8 || at + r.udp_len > end)
		return DropReason::bad_length;
	r.udp_cksum = be16(b + at + 6);
	if (r.udp_cksum == 0)
		return DropReason::zero_udp_checksum;

	r.l3 = l3;
	r.l4 = at;
	r.total = end - l3;
	r.hop_limit = b[l3 + 7];
	std::copy(b + l3 + 8, b + l3 + 24, r.src.begin());
	std::copy(b + l3 + 24, b + l3 + 40, r.dst.begin());
	r.sport = be16(b + at);
	r.dport = be16(b + at + 2);
	*out = r;
	return DropReason::none;
}

UdpChecksum udp6_checksum_state(std::span<const uint8_t> frame, const RefDatagram6 &ref)
{
	if (ref.udp_cksum == 0)
		return UdpChecksum::absent;
	uint32_t pseudo = ones_sum(ref.src);
	pseudo += ones_sum(ref.dst);
	pseudo += ref.udp_len; // the 32-bit length's upper half is 0
	pseudo += udp;
	const uint16_t sum = ones_sum(frame.subspan(ref.l4, ref.udp_len), pseudo);
	if (sum == 0xffff)
		return UdpChecksum::good;
	return ref.udp_cksum == ones_sum({}, pseudo) ? UdpChecksum::partial : UdpChecksum::bad;
}

} // namespace mcr::fuzz
