// Where a stream's sequence number sits in its UDP payload: RTP's 16 bits
// at byte 2, or any feed header's 2, 4 or 8 bytes at an offset, in either
// byte order (MoldUDP64: 8 bytes at 10, big-endian).
#pragma once

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
// to hold the field (counted as no-sequence by the caller).
inline std::optional<uint64_t> read_sequence(const SequenceField &f, const uint8_t *payload,
					     uint32_t payload_len)
{
	if (uint32_t{f.offset} + f.size > payload_len)
		return std::nullopt;
	uint8_t bytes[8];
	std::memcpy(bytes, payload + f.offset, f.size);
	uint64_t n = 0;
	for (unsigned i = 0; i < f.size; i++) {
		const unsigned k = f.big_endian ? i : f.size - 1 - i;
		n = (n << 8) | bytes[k];
	}
	return n;
}

} // namespace mcr::packet
