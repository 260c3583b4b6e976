// Why the engine dropped a packet: one enum for the whole fast path, so the
// per-worker drop counters are a flat array and /mcr/drops and `show drops`
// print them from one name table.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mcr::packet {

enum class DropReason : uint8_t {
	none,
	not_ip,           // ethertype neither IPv4 nor IPv6 (ARP, LLDP, ...)
	not_udp,          // IPv4 but another protocol (TCP, ICMP, IGMP, ...)
	truncated,        // the frame ends inside a header we must read
	bad_version,      // version field is not 4 (IPv4 ethertype) or 6 (IPv6 ethertype)
	bad_ihl,          // IHL < 5
	bad_length,       // IPv4 total length or UDP length inconsistent
	bad_checksum,     // IPv4 header checksum wrong
	fragment,         // MF set or offset != 0, and this worker has no reassembly table
	ttl_expired,      // TTL would reach 0 on decrement (rewrite)
	no_rule,          // parsed fine, no rule matches (engine)
	vlan_unsupported, // stacked tags (QinQ): only one 802.1Q tag is understood
	mac_mismatch,     // Ethernet destination is not the group's MAC (multicast) or the port's (unicast)
	no_buffer,        // size-class pool or clone pool empty (engine)
	tx_full,          // TX ring full after retries (engine)
	bad_udp_checksum, // UDP checksum wrong, on a port with `udp_checksum: verify`
	too_big,          // output larger than its port's MTU with DF set (engine)
	reassembly_timeout, // fragments of a datagram not complete in time (engine)
	reassembly_failed,  // fragments that overlap, repeat, exceed 8, or find the table full
	no_neighbour,       // a unicast output whose next hop's MAC is not known yet (engine)
	port_down,          // output port closed: its interface was deleted (engine)
	duplicate,          // a merged rule's copy of a sequence number already relayed (engine)
	late,               // a merged rule's number older than its window (engine)
	no_sequence,        // a merged rule's datagram too short for the sequence number (engine)
	handoff_full,       // the ring to the worker that owns the packet's stream was full (engine)
	bad_ext_header,     // IPv6 hop-by-hop options header not right after the IPv6 header
	ext_chain_too_long, // more IPv6 extension headers before UDP than parse_ipv6.h allows
	zero_udp_checksum,  // IPv6 UDP checksum field 0: none, which IPv6 forbids (RFC 8200 8.1)
	count
};

inline constexpr size_t drop_reason_count = static_cast<size_t>(DropReason::count);

// Stable kebab-case names, used as telemetry keys and console labels.
// Never returns null; out-of-range values give "unknown".
const char *drop_reason_name(DropReason reason);

} // namespace mcr::packet
