#include "telemetry_reply.h"

#include <set>

#include <fmt/format.h>

namespace mcr::app::tel {

namespace {

// telemetry_json.h's __json_format_str: \n \r \t escaped, other control
// characters left out, '"' and '\' escaped.
void append_string(std::string &out, std::string_view s)
{
	out += '"';
	for (const char c : s) {
		if (static_cast<unsigned char>(c) < 0x20) {
			if (c == '\n')
				out += "\\n";
			else if (c == '\r')
				out += "\\r";
			else if (c == '\t')
				out += "\\t";
		} else if (c == '"' || c == '\\') {
			out += '\\';
			out += c;
		} else {
			out += c;
		}
	}
	out += '"';
}

void append(std::string &out, const Dict &d);

void append_entry(std::string &out, const std::string &key, const Value &value)
{
	out += '"';
	out += key; // valid keys need no escaping
	out += "\":";
	if (const auto *u = std::get_if<uint64_t>(&value))
		fmt::format_to(std::back_inserter(out), "{}", *u);
	else if (const auto *s = std::get_if<std::string>(&value))
		append_string(out, *s);
	else if (std::holds_alternative<Null>(value))
		out += "null";
	else
		append(out, *std::get<std::unique_ptr<Dict>>(value));
}

void append(std::string &out, const Dict &d)
{
	out += '{';
	bool first = true;
	for (const auto &[key, value] : d.entries) {
		if (!first)
			out += ',';
		first = false;
		append_entry(out, key, value);
	}
	out += '}';
}

bool valid_key(const std::string &key)
{
	if (key.empty() || key.size() >= max_string_len)
		return false;
	for (const char c : key)
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      c == '_' || c == '/'))
			return false;
	return true;
}

// What DPDK would drop or truncate in d, whatever the size.
std::string shape_problem(const Dict &d)
{
	if (d.entries.size() > max_dict_entries)
		return fmt::format("a dict of {} entries (telemetry takes {})", d.entries.size(),
				   max_dict_entries);
	std::set<std::string_view> keys;
	for (const auto &[key, value] : d.entries) {
		if (!keys.insert(key).second)
			return fmt::format("key '{}' twice in one dict", key);
		if (!valid_key(key))
			return fmt::format("key '{}' is not [A-Za-z0-9_/]{{1,{}}}", key, max_string_len - 1);
		if (const auto *s = std::get_if<std::string>(&value); s && s->size() >= max_string_len)
			return fmt::format("value of '{}' is {} bytes (telemetry takes {})", key, s->size(),
					   max_string_len - 1);
		if (const auto *child = std::get_if<std::unique_ptr<Dict>>(&value)) {
			std::string why = shape_problem(**child);
			if (!why.empty())
				return why;
		}
	}
	return {};
}

} // namespace

Dict &Dict::add(std::string key, uint64_t value)
{
	entries.emplace_back(std::move(key), value);
	return *this;
}

Dict &Dict::add(std::string key, std::string value)
{
	entries.emplace_back(std::move(key), std::move(value));
	return *this;
}

Dict &Dict::add_null(std::string key)
{
	entries.emplace_back(std::move(key), Null{});
	return *this;
}

Dict &Dict::add_dict(std::string key)
{
	return add_dict(std::move(key), Dict{});
}

Dict &Dict::add_dict(std::string key, Dict child)
{
	auto owned = std::make_unique<Dict>(std::move(child));
	Dict &ref = *owned;
	entries.emplace_back(std::move(key), std::move(owned));
	return ref;
}

std::string encode(const Dict &d)
{
	std::string out;
	append(out, d);
	return out;
}

size_t entry_size(const std::string &key, const Value &value)
{
	std::string out;
	append_entry(out, key, value);
	return out.size();
}

size_t reply_budget(std::string_view command)
{
	const size_t prefix = command.size() + 4; // {"<command>":
	return max_output_len - prefix - 1 /* } */ - 1 /* NUL */;
}

std::string problem(const Dict &d, size_t budget)
{
	std::string why = shape_problem(d);
	if (!why.empty())
		return why;
	const size_t size = encode(d).size();
	if (size > budget)
		return fmt::format("{} bytes of JSON (telemetry takes {} here)", size, budget);
	return {};
}

std::string key(std::string_view name)
{
	std::string k(name);
	for (char &c : k)
		if (c == '-')
			c = '_';
	return k;
}

std::string text(std::string_view s)
{
	std::string out;
	for (const char c : s.substr(0, max_string_len - 1)) {
		const auto u = static_cast<unsigned char>(c);
		out += u >= 0x20 && u < 0x7f ? c : '?';
	}
	return out;
}

} // namespace mcr::app::tel
