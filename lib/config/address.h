// Text forms of IPv4 and MAC addresses, shared by the loader and the
// console so both accept and print exactly the same notation.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/model.h"

namespace mcr::config {

// Dotted quad, four decimal octets 0..255 without leading zeros (which
// inet_aton would read as octal).
std::optional<Ipv4> parse_ipv4(std::string_view text);
std::string format_ipv4(Ipv4 address);

// Six two-digit hex bytes separated by ':', either case.
std::optional<Mac> parse_mac(std::string_view text);
std::string format_mac(const Mac &mac); // lower case

bool is_ipv4_multicast(Ipv4 address); // 224.0.0.0/4

// An address a single host can own: not 0.0.0.0/8, loopback 127.0.0.0/8,
// multicast 224.0.0.0/4, or reserved 240.0.0.0/4 (which holds broadcast).
bool is_ipv4_unicast(Ipv4 address);

// Neither a group address (I/G bit set) nor all zeros.
bool is_mac_unicast(const Mac &mac);

} // namespace mcr::config
