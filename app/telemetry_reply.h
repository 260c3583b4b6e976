// A telemetry reply built as plain values before any rte_tel_data, so
// that what DPDK 22.11 would do with it is known in advance. DPDK's
// encoder (lib/telemetry/telemetry.c, telemetry_json.h) writes a reply
// into a 16 KiB buffer and silently leaves out any value that does not
// fit there, any dict entry beyond RTE_TEL_MAX_DICT_ENTRIES and any key
// with a character outside [A-Za-z0-9_/], and truncates keys and strings
// to RTE_TEL_MAX_STRING_LEN - 1 bytes. encode() writes exactly the bytes
// DPDK writes for a reply it does not cut, and problem() says when it
// would cut one, so mcr sizes its pages by what fits and refuses, loudly,
// anything that would not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace mcr::app::tel {

// DPDK 22.11's MAX_OUTPUT_LEN (telemetry.c, not exported; its greeting
// reports it as max_output_len), RTE_TEL_MAX_DICT_ENTRIES and
// RTE_TEL_MAX_STRING_LEN (rte_telemetry.h).
inline constexpr size_t max_output_len = 16 * 1024;
inline constexpr size_t max_dict_entries = 256;
inline constexpr size_t max_string_len = 128; // with its NUL

struct Null {};
struct Dict;
using Value = std::variant<uint64_t, std::string, Null, std::unique_ptr<Dict>>;

// A JSON object of u64, string, null and object values, in insertion
// order; what rte_tel_data dicts can hold.
struct Dict {
	std::vector<std::pair<std::string, Value>> entries;

	Dict &add(std::string key, uint64_t value);
	Dict &add(std::string key, std::string value);
	Dict &add_null(std::string key);
	// The new child, to fill in.
	Dict &add_dict(std::string key);
	Dict &add_dict(std::string key, Dict child);
};

// The JSON DPDK writes for d (the callback's part of the reply).
std::string encode(const Dict &d);
// encode(d).size() for the entry `"key":value` of a dict.
size_t entry_size(const std::string &key, const Value &value);

// The largest encode(d).size() a reply to `command` (the part before the
// first comma) can have: the buffer less `{"<command>":`, the closing
// brace and the NUL.
size_t reply_budget(std::string_view command);

// Empty if DPDK would pass d on whole within `budget` bytes; else why not.
std::string problem(const Dict &d, size_t budget);

// A name as a key: DPDK refuses '-', which mcr names may hold. Not
// one-to-one ("a-b" and "a_b" meet), so keys that must be unique are
// positions, with the exact name given as a value.
std::string key(std::string_view name);

// Text as a string value: at most max_string_len - 1 bytes, printable
// ASCII (DPDK's escaper indexes a table with each char and reads outside
// it for bytes above 0x7f).
std::string text(std::string_view s);

} // namespace mcr::app::tel
