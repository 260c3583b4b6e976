// The rule table's keys: what identifies a flow on arrival. The workers
// build RuleKey (IPv4) and RuleKey6 (IPv6) from parsed packets, addresses
// and port in network order as parsed, so nothing is swapped; the control
// plane names a rule's input with InputKey, of either family, exact or a
// range, and the table derives the workers' key from it in one place.
#pragma once

#include <compare>
#include <cstdint>
#include <cstring>

#include <rte_byteorder.h>

#include "packet/address16.h"

namespace mcr::engine {

// Aligned to 8: rte_hash_crc reads keys eight bytes at a time.
struct alignas(8) RuleKey {
	uint32_t dst_ip;
	uint32_t src_ip; // 0: any source (*,G)
	uint16_t dst_port;
	uint16_t vlan;       // 0: untagged
	uint16_t port_index; // ingress port
	uint16_t zero = 0;   // keeps the 16 bytes fully defined for hashing
};
static_assert(sizeof(RuleKey) == 16);

// The IPv6 rule key: its own table, so IPv4 keys stay 16 bytes.
struct alignas(8) RuleKey6 {
	uint8_t dst_ip[16];
	uint8_t src_ip[16]; // all zero: any source (*,G)
	uint16_t dst_port;
	uint16_t vlan;
	uint16_t port_index;
	uint16_t zero = 0;
};
static_assert(sizeof(RuleKey6) == 40);

using packet::Address16;

// A rule's input as the control plane names it: exact or a range, either
// family. Ordered, so it keys maps; memcmp-equal when equal.
struct InputKey {
	Address16 dst{};
	Address16 src{}; // zeros with src_len 0: any source
	uint16_t dport_first = 0; // host order
	uint16_t dport_last = 0;
	uint16_t vlan = 0;
	uint16_t port_index = 0;
	uint8_t ipv6 = 0;    // 0: IPv4 (addresses in the last four bytes), 1: IPv6
	uint8_t dst_len = 0; // prefix lengths, 32 or 128 for one address
	uint8_t src_len = 0; // 0: any source
	uint8_t zero = 0;

	auto operator<=>(const InputKey &) const = default;

	uint8_t address_bits() const { return ipv6 ? 128 : 32; }
	bool source_specific() const { return src_len != 0; }
	// One destination, one port, any source or one: a key of the exact
	// tables. Anything else is a range.
	bool exact() const
	{
		return dst_len == address_bits() && (src_len == 0 || src_len == address_bits()) &&
		       dport_first == dport_last;
	}
	// The workers' keys of an exact input.
	RuleKey rule_key() const
	{
		RuleKey k{};
		k.dst_ip = packet::ipv4_of(dst);
		k.src_ip = packet::ipv4_of(src);
		k.dst_port = rte_cpu_to_be_16(dport_first);
		k.vlan = vlan;
		k.port_index = port_index;
		return k;
	}
	RuleKey6 rule_key6() const
	{
		RuleKey6 k{};
		std::memcpy(k.dst_ip, dst.data(), 16);
		std::memcpy(k.src_ip, src.data(), 16);
		k.dst_port = rte_cpu_to_be_16(dport_first);
		k.vlan = vlan;
		k.port_index = port_index;
		return k;
	}
};

// The InputKey of an IPv4 exact key (tests, benchmarks).
inline InputKey input_key_of(const RuleKey &k)
{
	InputKey in;
	in.dst = packet::address16_from_ipv4(k.dst_ip);
	in.dst_len = 32;
	if (k.src_ip != 0) {
		in.src = packet::address16_from_ipv4(k.src_ip);
		in.src_len = 32;
	}
	in.dport_first = in.dport_last = rte_be_to_cpu_16(k.dst_port);
	in.vlan = k.vlan;
	in.port_index = k.port_index;
	return in;
}

} // namespace mcr::engine
