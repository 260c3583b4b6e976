// Internet checksum pieces the parser and the rewrite share. All sums work
// on words exactly as they sit in memory: the one's-complement sum is
// byte-order independent (RFC 1071), so nothing is swapped on the fast path.
#pragma once

#include <cstdint>

#include <rte_branch_prediction.h>
#include <rte_ip.h>

#include "packet/bytes.h"

namespace mcr::packet {

// Folds a wide one's-complement accumulator to 16 bits (not complemented):
// the two 32-bit halves added with their end-around carry, then the two
// 16-bit halves twice.
inline uint16_t checksum_fold(uint64_t sum)
{
	const auto low = static_cast<uint32_t>(sum);
	uint32_t s = low + static_cast<uint32_t>(sum >> 32);
	s += s < low;
	s = (s & 0xffff) + (s >> 16);
	s += s >> 16;
	return static_cast<uint16_t>(s);
}

// True when an IPv4 header (options included) sums to all ones, i.e. its
// checksum field is right. ihl_bytes is a multiple of 4 and at least 20, so
// the header is summed as 32-bit words: half the additions of
// rte_raw_cksum's 16-bit loop, and the fixed part unrolled. No header can
// legitimately sum to zero (the version nibble is never 0), so one compare
// is enough.
inline bool ipv4_header_checksum_ok(const uint8_t *ip_hdr, uint32_t ihl_bytes)
{
	uint64_t sum = uint64_t{load<uint32_t>(ip_hdr)} + load<uint32_t>(ip_hdr + 4) +
		       load<uint32_t>(ip_hdr + 8) + load<uint32_t>(ip_hdr + 12) +
		       load<uint32_t>(ip_hdr + 16);
	for (uint32_t off = sizeof(rte_ipv4_hdr); off < ihl_bytes; off += 4)
		sum += load<uint32_t>(ip_hdr + off);
	return checksum_fold(sum) == 0xffff;
}

// One's-complement sum of len bytes as memory words (odd tail padded with
// zero), not folded: what rte_raw_cksum sums, but a 32-bit word at a time
// into two 64-bit accumulators (no carry to handle until 2^32 words), a
// quarter of its additions. rte_raw_cksum's 16-bit loop cost 240 ns per
// 1400-byte datagram in bench-engine (doc/benchmarks-engine.md).
inline uint64_t raw_sum(const uint8_t *p, uint32_t len)
{
	uint64_t a = 0, b = 0;
	for (; len >= 16; p += 16, len -= 16) {
		a += uint64_t{load<uint32_t>(p)} + load<uint32_t>(p + 4);
		b += uint64_t{load<uint32_t>(p + 8)} + load<uint32_t>(p + 12);
	}
	for (; len >= 4; p += 4, len -= 4)
		a += load<uint32_t>(p);
	if (len >= 2) {
		b += load<uint16_t>(p);
		p += 2;
		len -= 2;
	}
	if (len == 1)
		a += byte_pair(*p, 0); // the byte, then a zero byte, in memory order
	return a + b;
}

// Incremental update of a stored checksum for fields that changed
// (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')). Collect every change, then
// apply once; replacing a word by itself adds 0xffff, a one's-complement
// zero, so callers need not test for "unchanged".
class ChecksumDelta {
public:
	void replace16(uint16_t old_word, uint16_t new_word)
	{
		sum_ += static_cast<uint16_t>(~old_word);
		sum_ += new_word;
	}

	// A 32-bit field is two 16-bit words; summing it whole is the same
	// modulo 0xffff (2^16 = 1), and the fold absorbs the wider carries.
	void replace32(uint32_t old_value, uint32_t new_value)
	{
		sum_ += static_cast<uint32_t>(~old_value);
		sum_ += new_value;
	}

	// The updated checksum field value, before UDP's zero rule
	// (udp_checksum_field).
	uint16_t apply(uint16_t old_cksum) const
	{
		return static_cast<uint16_t>(~checksum_fold(static_cast<uint16_t>(~old_cksum) + sum_));
	}

private:
	uint64_t sum_ = 0;
};

// UDP over IPv4 sends a computed checksum of 0 as 0xffff, because 0 on the
// wire means "no checksum" (RFC 768).
inline uint16_t udp_checksum_field(uint16_t computed)
{
	return unlikely(computed == 0) ? 0xffff : computed;
}

} // namespace mcr::packet
