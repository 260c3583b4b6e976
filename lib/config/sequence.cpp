#include "config/sequence.h"

#include <bit>

#include <fmt/format.h>

#include "config/bounds.h"

namespace mcr::config {

std::optional<packet::SequenceField> sequence_preset(std::string_view name)
{
	if (name == "rtp")
		return packet::rtp_sequence;
	return std::nullopt;
}

std::optional<std::string_view> sequence_preset_name(const packet::SequenceField &field)
{
	if (field == packet::rtp_sequence)
		return "rtp";
	return std::nullopt;
}

std::optional<bool> parse_big_endian(std::string_view order)
{
	if (order == "big")
		return true;
	if (order == "little")
		return false;
	return std::nullopt;
}

std::string_view byte_order_name(bool big_endian)
{
	return big_endian ? "big" : "little";
}

std::optional<std::string> sequence_size_problem(int64_t size)
{
	if (size == 2 || size == 4 || size == 8)
		return std::nullopt;
	return fmt::format("'size' must be 2, 4 or 8 (bytes), got {}", size);
}

std::optional<std::string> sequence_extent_problem(const packet::SequenceField &field)
{
	const uint32_t end = uint32_t{field.offset} + field.size;
	if (end <= limits::max_udp_payload_ipv4)
		return std::nullopt;
	return fmt::format("the sequence field ({} bytes at offset {}) ends at byte {}, beyond "
			   "the largest UDP payload ({} bytes)",
			   field.size, field.offset, end, limits::max_udp_payload_ipv4);
}

std::optional<std::string> sequence_window_problem(uint32_t window,
						   const packet::SequenceField *field)
{
	if (!std::has_single_bit(window))
		return fmt::format("'window' must be a power of two, got {}", window);
	if (field && field->size == 2 && window > limits::max_sequence_window_16bit)
		return fmt::format("'window' must be at most {} for a 2-byte sequence (16-bit "
				   "numbers resynchronise {} ahead), got {}",
				   limits::max_sequence_window_16bit, limits::sequence_resync_16bit,
				   window);
	return std::nullopt;
}

} // namespace mcr::config
