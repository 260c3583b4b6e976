#include "config/names.h"

#include <algorithm>

#include "config/bounds.h"

namespace mcr::config {

namespace {

bool is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

bool is_forbidden_in_iface(char c)
{
	return c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

} // namespace

bool is_valid_name(std::string_view name, size_t max_length)
{
	return !name.empty() && name.size() <= max_length &&
	       std::all_of(name.begin(), name.end(), is_name_char);
}

bool is_valid_iface_name(std::string_view name)
{
	return !name.empty() && name.size() <= limits::max_iface_name && name != "." &&
	       name != ".." && std::none_of(name.begin(), name.end(), is_forbidden_in_iface);
}

} // namespace mcr::config
