// A second copy of the sequence number, as a binary field at a chosen
// place in the payload: what a relay reading a protocol's own sequence
// (mcr's `sequence: { offset, size, order }`) looks at. mcr-gen's header
// stays at payload offset 0, so mcr-sink still recognises the payload and
// accounts it by the header's 64-bit number; the field goes after the
// header, in the filler, and wraps at its size:
//
//   value = (start + s) mod 2^(8 * size)      s: the header's sequence
//
// The header's own sequence already is such a field (offset 8, 8 bytes,
// big-endian), so it needs no option.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mcr::traffic {

struct SeqField {
	uint32_t offset = 0; // from the start of the UDP payload
	uint8_t size = 0;    // 2, 4 or 8 bytes; 0: no field
	bool big_endian = true;
	uint64_t start = 0; // the field's value for sequence 0

	bool enabled() const { return size != 0; }
	uint32_t end() const { return offset + size; }
	uint64_t value(uint64_t seq) const
	{
		const uint64_t v = start + seq;
		return size == 8 ? v : v & ((uint64_t{1} << (8 * size)) - 1);
	}
	// Writes value(seq) at payload + offset (any alignment).
	void write(uint8_t *payload, uint64_t seq) const;
	// Reads the field back from a payload of len bytes; false if too short.
	bool read(const uint8_t *payload, size_t len, uint64_t *value) const;
};

// "OFFSET:SIZE[:big|little]" (default big). Checks the form only: where
// the field may go is the caller's (it needs the payload size).
bool parse_seq_field(std::string_view text, SeqField *field);

} // namespace mcr::traffic
