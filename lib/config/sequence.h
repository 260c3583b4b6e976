// The sequence a merged or monitored rule watches (config::Sequence): its
// presets and the checks the YAML loader and the console grammar share, so
// both accept, refuse and spell the same ones.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "packet/sequence_field.h"

namespace mcr::config {

// "rtp": RTP's 16-bit number at byte 2, big-endian.
std::optional<packet::SequenceField> sequence_preset(std::string_view name);
// The preset's name when field is one, so that it is written back as such.
std::optional<std::string_view> sequence_preset_name(const packet::SequenceField &field);

// "big" or "little".
std::optional<bool> parse_big_endian(std::string_view order);
std::string_view byte_order_name(bool big_endian);

// Each says why the value cannot be used, or nothing. size: 2, 4 or 8.
std::optional<std::string> sequence_size_problem(int64_t size);
// The field must end within the largest UDP payload.
std::optional<std::string> sequence_extent_problem(const packet::SequenceField &field);
// window, already within limits::sequence_window: a power of two, and for a
// 2-byte field at most limits::max_sequence_window_16bit. Without a field
// (it could not be read) only the power of two is checked.
std::optional<std::string> sequence_window_problem(uint32_t window,
						   const packet::SequenceField *field);

} // namespace mcr::config
