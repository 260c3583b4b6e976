// Text forms of IPv4, IPv6 and MAC addresses and of address prefixes,
// shared by the loader and the console so both accept and print exactly
// the same notation; and the address classes the rule checks ask about.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

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

// RFC 4291 2.2 text: eight groups of 1-4 hex digits (either case), one
// "::" for one or more zero groups, the last 32 bits optionally as a
// dotted quad (parse_ipv4's rules). No zone index ("%eth0": a port names
// the link), brackets or spaces.
std::optional<Ipv6> parse_ipv6(std::string_view text);

// RFC 5952: lower case, no leading zeros, the longest run of two or more
// zero groups (the first of equal runs) as "::"; an IPv4-mapped address
// (::ffff:0:0/96) as ::ffff:a.b.c.d.
std::string format_ipv6(const Ipv6 &address);

bool is_ipv6_multicast(const Ipv6 &address); // ff00::/8

// The scope field of a group address (RFC 4291 2.7, RFC 7346): the low
// nibble of its second byte.
enum class Ipv6Scope : uint8_t {
	reserved = 0x0,
	interface_local = 0x1,
	link_local = 0x2,
	realm_local = 0x3,
	admin_local = 0x4,
	site_local = 0x5,
	organization_local = 0x8,
	global = 0xe,
};
Ipv6Scope ipv6_multicast_scope(const Ipv6 &group);

// Whether a relay may carry the group from one link (port, or VLAN on a
// port) to another. Not for interface-local and link-local groups: a
// router must not forward beyond the scope (RFC 4291 2.7); not for scope
// 0, whose datagrams must be dropped. Scope 0xf (reserved) counts as
// global, as RFC 4291 says. False for a non-group address.
bool ipv6_group_relayable(const Ipv6 &group);

// An address one host's interface can own: not :: (unspecified), ::1
// (loopback), a group (ff00::/8), or IPv4-mapped ::ffff:0:0/96 (an API
// notation never valid on the wire; Linux drops it as a source).
//
// Link-local fe80::/10 is unicast here, with care: it names a host only
// on one link, and a datagram with a link-local source or destination
// must not leave its link (RFC 4291 2.5.6). The port is the link, so no
// zone index is needed: a link-local address is fine as an input's
// source, an output's destination, or an output's given source; never as
// a source carried from one port to another (`src: keep` of a link-local
// sender, or an (S,G) rule's link-local S relayed with src: keep). The
// rule checks ask is_ipv6_link_local for that.
bool is_ipv6_unicast(const Ipv6 &address);
bool is_ipv6_link_local(const Ipv6 &address); // fe80::/10

// A dotted quad, or IPv6 text when it holds a ':'.
std::optional<IpAddress> parse_ip_address(std::string_view text);
std::string format_ip_address(const IpAddress &address);

// The prefix, or nullopt with error saying why, e.g. "239.1.1.0/16 has
// bits set past /16; did you mean 239.1.0.0/16?". The length is decimal
// without leading zeros; a bare address is not a prefix (the caller
// decides whether an exact address may stand for one).
std::optional<Prefix> parse_prefix(std::string_view text, std::string &error);
std::string format_prefix(const Prefix &prefix);

// Whether the address is of the prefix's family and inside it.
bool prefix_contains(const Prefix &prefix, const IpAddress &address);

// What a rule's dst or src may be: an address (a host prefix) or a prefix.
// The error says why not, as parse_prefix's.
std::optional<Prefix> parse_host_or_prefix(std::string_view text, std::string &error);
// A host prefix as its bare address, any other as format_prefix.
std::string format_host_or_prefix(const Prefix &prefix);

// Whether a prefix's addresses are all groups (224.0.0.0/4, ff00::/8).
bool is_multicast_prefix(const Prefix &prefix);

// A UDP port range: "any" (0-65535), "N", or "FIRST-LAST" with FIRST <= LAST,
// ports 1..65535 (port 0 only through "any").
std::optional<PortRange> parse_port_range(std::string_view text, std::string &error);
// "any", "5000" or "5000-5099": parse_port_range's notation.
std::string format_port_range(const PortRange &range);

} // namespace mcr::config
