// Typed, position-aware reading of yaml-cpp nodes for the loader. A problem
// becomes a diagnostic and reading carries on, so one pass over a file finds
// every error in it. Internal to the config library: no yaml-cpp type is
// visible outside it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/bounds.h"
#include "config/error.h"
#include "config/model.h"

namespace mcr::config::detail {

class Diagnostics {
public:
	explicit Diagnostics(std::string file) : file_(std::move(file)) {}

	const std::string &file() const { return file_; }
	Location at(const YAML::Mark &mark) const; // yaml-cpp counts from 0, we from 1
	void add(Location where, std::string message);
	void add(std::vector<Diagnostic> more);
	bool empty() const { return found_.empty(); }
	size_t count() const { return found_.size(); }

	// In file order, which is not the order the checks ran in.
	std::vector<Diagnostic> take_sorted();

private:
	std::string file_;
	std::vector<Diagnostic> found_;
};

// A node with what messages call it ("dport", "lcores[2]") and where it is.
struct Value {
	YAML::Node node;
	std::string name;
	Location where; // an empty value has no position of its own: its key's
};

// The keys of one YAML map, checked against the keys it may have. Unknown
// and repeated keys (yaml-cpp keeps both copies) are reported on
// construction; the first occurrence of a repeated key is the one read.
class MapReader {
public:
	// `context` names the map in messages ("port"), empty at the top level.
	MapReader(Diagnostics &diagnostics, const YAML::Node &map, std::string context,
		  std::span<const std::string_view> allowed_keys);

	const Location &where() const { return where_; }
	std::optional<Value> get(std::string_view key) const;
	std::optional<Value> require(std::string_view key) const; // reports it when missing

private:
	Diagnostics &diagnostics_;
	std::string in_context_; // " in port", or empty
	Location where_;
	std::vector<Value> values_;
};

// What a message says was found instead of what was expected: "'text'",
// "a list", "a map" or "nothing".
std::string describe(const YAML::Node &node);

// Each read reports why it failed and returns nullopt.
bool expect_map(Diagnostics &diagnostics, const Value &value);
bool expect_list(Diagnostics &diagnostics, const Value &value);
std::vector<Value> list_items(const Diagnostics &diagnostics, const Value &list);

std::optional<std::string> read_string(Diagnostics &diagnostics, const Value &value);
std::optional<int64_t> read_int(Diagnostics &diagnostics, const Value &value, limits::Range range);
std::optional<bool> read_bool(Diagnostics &diagnostics, const Value &value);
std::optional<Ipv4> read_ipv4(Diagnostics &diagnostics, const Value &value);
std::optional<Mac> read_mac(Diagnostics &diagnostics, const Value &value);

// Index into `choices` of the value's text.
std::optional<size_t> read_choice(Diagnostics &diagnostics, const Value &value,
				  std::span<const std::string_view> choices);

template <typename Enum, size_t N>
std::optional<Enum> read_enum(Diagnostics &diagnostics, const Value &value,
			      const std::array<std::pair<std::string_view, Enum>, N> &names)
{
	std::array<std::string_view, N> choices;
	for (size_t i = 0; i < N; i++)
		choices[i] = names[i].first;
	auto index = read_choice(diagnostics, value, choices);
	if (!index)
		return std::nullopt;
	return names[*index].second;
}

template <typename T>
struct IntTarget {
	using type = T;
};
template <typename T>
struct IntTarget<std::optional<T>> {
	using type = T;
};

// Reads an optional integer key into `field` (a number or an optional one),
// which keeps its default when the key is absent and is left alone, the
// problem reported, when the value is wrong. False only for a wrong value.
template <typename Field>
bool read_int_field(Diagnostics &diagnostics, const MapReader &map, std::string_view key,
		    limits::Range range, Field &field)
{
	auto value = map.get(key);
	if (!value)
		return true;
	auto number = read_int(diagnostics, *value, range);
	if (number)
		field = static_cast<typename IntTarget<Field>::type>(*number);
	return number.has_value();
}

} // namespace mcr::config::detail
