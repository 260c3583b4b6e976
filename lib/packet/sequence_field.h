// Where a stream's sequence number sits in its UDP payload: RTP's 16 bits
// at byte 2, or any feed header's 2, 4 or 8 bytes at an offset, in either
// byte order (MoldUDP64: 8 bytes at 10, big-endian).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>

namespace mcr::packet {

struct SequenceField {
	uint16_t offset = 2;
	uint8_t size = 2; // bytes: 2, 4 or 8
	bool big_endian = true;

	unsigned width_bits() const { return size * 8u; }
	bool operator==(const SequenceField &) const = default;
};

inline constexpr SequenceField rtp_sequence{2, 2, true};

// The number in a payload of payload_len bytes; none when it is too short
// to hold the field (counted as no-sequence by the caller). One load and at
// most one byte swap: it runs for every packet of a merged rule.
inline std::optional<uint64_t> read_sequence(const SequenceField &f, const uint8_t *payload,
					     uint32_t payload_len)
{
	static_assert(std::endian::native == std::endian::little, "the swaps below assume it");
	if (uint32_t{f.offset} + f.size > payload_len)
		return std::nullopt;
	const uint8_t *at = payload + f.offset;
	switch (f.size) {
	case 2: {
		uint16_t v;
		std::memcpy(&v, at, 2);
		return f.big_endian ? __builtin_bswap16(v) : v;
	}
	case 4: {
		uint32_t v;
		std::memcpy(&v, at, 4);
		return f.big_endian ? __builtin_bswap32(v) : v;
	}
	case 8: {
		uint64_t v;
		std::memcpy(&v, at, 8);
		return f.big_endian ? __builtin_bswap64(v) : v;
	}
	default: // no such field (the config allows 2, 4 and 8)
		return std::nullopt;
	}
}

} // namespace mcr::packet
