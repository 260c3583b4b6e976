// What a name may look like: names end up in console commands, telemetry
// keys and log lines, so they are kept to a shell- and JSON-safe set.
#pragma once

#include <cstddef>
#include <string_view>

namespace mcr::config {

// [A-Za-z0-9_-]{1,max_length}
bool is_valid_name(std::string_view name, size_t max_length);

// What the kernel accepts as an interface name: 1..15 bytes, none of them
// '/', ':' or whitespace, and not "." or "..".
bool is_valid_iface_name(std::string_view name);

} // namespace mcr::config
