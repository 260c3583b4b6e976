// Addresses as lib/host takes them: the very types lib/config holds (IPv4
// in host order, IPv6 in network order, either in one variant), so that a
// rule's address passes through without a conversion.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <variant>

struct sockaddr_storage;

namespace mcr::host {

using Ipv4 = uint32_t;
using Ipv6 = std::array<uint8_t, 16>;
using IpAddress = std::variant<Ipv4, Ipv6>;

inline bool is_ipv6(const IpAddress &address) { return address.index() == 1; }

// AF_INET or AF_INET6.
int address_family(const IpAddress &address);

// 0.0.0.0 or ::, of either family.
bool is_unspecified(const IpAddress &address);

// Dotted quad, or RFC 5952 text.
std::string ip_text(const IpAddress &address);

// A sockaddr_in or sockaddr_in6 (port 0, no scope), as the socket API takes it.
sockaddr_storage ip_sockaddr(const IpAddress &address);

} // namespace mcr::host
