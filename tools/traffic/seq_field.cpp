#include "traffic/seq_field.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "packet/sequence_field.h"
#include "traffic/cli_values.h"

namespace mcr::traffic {

void SeqField::write(uint8_t *payload, uint64_t seq) const
{
	uint64_t v = value(seq);
	uint8_t *p = payload + offset;
	for (uint8_t i = 0; i < size; i++, v >>= 8)
		p[big_endian ? size - 1 - i : i] = static_cast<uint8_t>(v);
}

bool SeqField::read(const uint8_t *payload, size_t len, uint64_t *out) const
{
	// What mcr reads: the relay's own reading, so the two cannot disagree.
	if (!enabled() || offset > UINT16_MAX)
		return false;
	const packet::SequenceField f{static_cast<uint16_t>(offset), size, big_endian};
	const auto v = packet::read_sequence(f, payload, static_cast<uint32_t>(std::min<size_t>(len, UINT32_MAX)));
	if (!v)
		return false;
	*out = *v;
	return true;
}

bool parse_seq_field(std::string_view text, SeqField *field)
{
	const size_t first = text.find(':');
	if (first == std::string_view::npos)
		return false;
	const size_t second = text.find(':', first + 1);
	const std::string_view size_text =
		text.substr(first + 1, second == std::string_view::npos ? std::string_view::npos
									: second - first - 1);
	uint64_t offset = 0;
	uint64_t size = 0;
	if (!parse_u64(text.substr(0, first), 0, 65535, &offset) || !parse_u64(size_text, 2, 8, &size) ||
	    (size != 2 && size != 4 && size != 8))
		return false;
	SeqField f;
	f.offset = static_cast<uint32_t>(offset);
	f.size = static_cast<uint8_t>(size);
	if (second != std::string_view::npos) {
		const std::string_view order = text.substr(second + 1);
		if (order == "little")
			f.big_endian = false;
		else if (order != "big")
			return false;
	}
	f.start = field->start; // --seq-start may come first
	*field = f;
	return true;
}

} // namespace mcr::traffic
