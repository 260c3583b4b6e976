#include "config/yaml_reader.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "config/address.h"

namespace mcr::config::detail {

namespace {

std::optional<std::string> read_scalar(Diagnostics &diagnostics, const Value &value,
				       std::string_view expected)
{
	if (value.node.IsScalar())
		return value.node.Scalar();
	diagnostics.add(value.where, fmt::format("expected {} for '{}', got {}", expected,
						 value.name, describe(value.node)));
	return std::nullopt;
}

void report_out_of_range(Diagnostics &diagnostics, const Value &value, limits::Range range,
			 std::string_view text)
{
	diagnostics.add(value.where, fmt::format("'{}' must be between {} and {}, got {}",
						 value.name, range.min, range.max, text));
}

// Decimal only: the YAML 1.1 forms yaml-cpp would also take (0x10, 010 as
// octal, 1_000) read differently in other tools, so none is accepted.
bool is_decimal(std::string_view text)
{
	if (!text.empty() && (text[0] == '-' || text[0] == '+'))
		text.remove_prefix(1);
	return !text.empty() &&
	       std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Messages quote what the file holds, which may include control characters
// that would garble a terminal or cut a log line.
std::string printable(std::string_view message)
{
	std::string text;
	for (char c : message) {
		auto byte = static_cast<unsigned char>(c);
		if (byte < 0x20 || byte == 0x7f)
			text += fmt::format("\\x{:02x}", byte);
		else
			text += c;
	}
	return text;
}

std::string join(std::span<const std::string_view> words)
{
	std::string text;
	for (auto word : words) {
		if (!text.empty())
			text += ", ";
		text += word;
	}
	return text;
}

} // namespace

std::string describe(const YAML::Node &node)
{
	switch (node.Type()) {
	case YAML::NodeType::Scalar:
		return fmt::format("'{}'", node.Scalar());
	case YAML::NodeType::Sequence:
		return "a list";
	case YAML::NodeType::Map:
		return "a map";
	default:
		return "nothing";
	}
}

Location Diagnostics::at(const YAML::Mark &mark) const
{
	if (mark.is_null())
		return {file_, 0, 0};
	return {file_, mark.line + 1, mark.column + 1};
}

void Diagnostics::add(Location where, std::string message)
{
	found_.push_back({std::move(where), printable(message)});
}

void Diagnostics::add(std::vector<Diagnostic> more)
{
	for (auto &diagnostic : more)
		add(std::move(diagnostic.where), std::move(diagnostic.message));
}

std::vector<Diagnostic> Diagnostics::take_sorted()
{
	std::stable_sort(found_.begin(), found_.end(),
			 [](const Diagnostic &a, const Diagnostic &b) {
				 return std::pair(a.where.line, a.where.column) <
					std::pair(b.where.line, b.where.column);
			 });
	return std::move(found_);
}

MapReader::MapReader(Diagnostics &diagnostics, const YAML::Node &map, std::string context,
		     std::span<const std::string_view> allowed_keys)
	: diagnostics_(diagnostics), in_context_(context.empty() ? "" : " in " + context),
	  where_(diagnostics.at(map.Mark()))
{
	for (const auto &entry : map) {
		// Copies: yaml-cpp's iterators hand out temporaries.
		const YAML::Node key = entry.first;
		const YAML::Node node = entry.second;
		Location key_where = diagnostics.at(key.Mark());
		if (!key.IsScalar()) {
			diagnostics.add(key_where, fmt::format("expected a key name{}, got {}",
							       in_context_, describe(key)));
			continue;
		}
		const std::string &name = key.Scalar();
		if (std::find(allowed_keys.begin(), allowed_keys.end(), name) ==
		    allowed_keys.end()) {
			diagnostics.add(key_where,
					fmt::format("unknown key '{}'{} (expected one of: {})",
						    name, in_context_, join(allowed_keys)));
			continue;
		}
		if (get(name)) {
			diagnostics.add(key_where,
					fmt::format("duplicate key '{}'{}", name, in_context_));
			continue;
		}
		Location where = node.IsNull() ? key_where : diagnostics.at(node.Mark());
		values_.push_back({node, name, where});
	}
}

std::optional<Value> MapReader::get(std::string_view key) const
{
	for (const auto &value : values_)
		if (value.name == key)
			return value;
	return std::nullopt;
}

std::optional<Value> MapReader::require(std::string_view key) const
{
	auto value = get(key);
	if (!value)
		diagnostics_.add(where_,
				 fmt::format("missing required key '{}'{}", key, in_context_));
	return value;
}

bool expect_map(Diagnostics &diagnostics, const Value &value)
{
	if (value.node.IsMap())
		return true;
	diagnostics.add(value.where, fmt::format("expected a map for '{}', got {}", value.name,
						 describe(value.node)));
	return false;
}

bool expect_list(Diagnostics &diagnostics, const Value &value)
{
	if (value.node.IsSequence())
		return true;
	diagnostics.add(value.where, fmt::format("expected a list for '{}', got {}", value.name,
						 describe(value.node)));
	return false;
}

std::vector<Value> list_items(const Diagnostics &diagnostics, const Value &list)
{
	std::vector<Value> items;
	size_t index = 0;
	for (const auto &node : list.node) {
		// An empty entry ("-" alone) has no position of its own: use the list's.
		Location where = node.IsNull() ? list.where : diagnostics.at(node.Mark());
		items.push_back({node, fmt::format("{}[{}]", list.name, index++), where});
	}
	return items;
}

std::optional<std::string> read_string(Diagnostics &diagnostics, const Value &value)
{
	return read_scalar(diagnostics, value, "a string");
}

std::optional<int64_t> read_int(Diagnostics &diagnostics, const Value &value, limits::Range range)
{
	auto text = read_scalar(diagnostics, value, "an integer");
	if (!text)
		return std::nullopt;
	if (!is_decimal(*text)) {
		diagnostics.add(value.where, fmt::format("expected an integer for '{}', got '{}'",
							 value.name, *text));
		return std::nullopt;
	}
	const char *begin = text->data() + (text->front() == '+' ? 1 : 0);
	int64_t number = 0;
	auto [end, ec] = std::from_chars(begin, text->data() + text->size(), number);
	if (ec != std::errc() || number < range.min || number > range.max) {
		report_out_of_range(diagnostics, value, range, *text);
		return std::nullopt;
	}
	return number;
}

std::optional<bool> read_bool(Diagnostics &diagnostics, const Value &value)
{
	auto text = read_scalar(diagnostics, value, "true or false");
	if (!text)
		return std::nullopt;
	if (*text == "true")
		return true;
	if (*text == "false")
		return false;
	diagnostics.add(value.where, fmt::format("expected true or false for '{}', got '{}'",
						 value.name, *text));
	return std::nullopt;
}

std::optional<Ipv4> read_ipv4(Diagnostics &diagnostics, const Value &value)
{
	auto text = read_scalar(diagnostics, value, "an IPv4 address");
	if (!text)
		return std::nullopt;
	auto address = parse_ipv4(*text);
	if (!address)
		diagnostics.add(value.where, fmt::format("invalid IPv4 address '{}'", *text));
	return address;
}

std::optional<Mac> read_mac(Diagnostics &diagnostics, const Value &value)
{
	auto text = read_scalar(diagnostics, value, "a MAC address");
	if (!text)
		return std::nullopt;
	auto mac = parse_mac(*text);
	if (!mac)
		diagnostics.add(value.where,
				fmt::format("invalid MAC address '{}' (expected six hex bytes like "
					    "02:00:00:00:00:01)",
					    *text));
	return mac;
}

std::optional<size_t> read_choice(Diagnostics &diagnostics, const Value &value,
				  std::span<const std::string_view> choices)
{
	auto text = read_scalar(diagnostics, value, "one of " + join(choices));
	if (!text)
		return std::nullopt;
	auto it = std::find(choices.begin(), choices.end(), *text);
	if (it != choices.end())
		return static_cast<size_t>(it - choices.begin());
	diagnostics.add(value.where, fmt::format("'{}' must be one of {}, got '{}'", value.name,
						 join(choices), *text));
	return std::nullopt;
}

} // namespace mcr::config::detail
