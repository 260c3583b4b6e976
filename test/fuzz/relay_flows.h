// The fixed rule set the engine and XDP targets run against: the flows of
// test/bpf's standard_rules() (any-source group, source-specific group, a
// group on VLAN 100, unicast to the host), with outputs that between them
// take every rewrite and fan-out path, one flow on a second ingress port,
// a merged flow (three inputs over both ingress ports) and a monitored
// one. Host order throughout; the seed frames in corpus/ aim at these.
// general_flows() adds what takes the engine's general path (issue 14):
// IPv6 flows, outputs of the other family, and range rules of both
// families.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "packet/address16.h"

namespace mcr::fuzz {

// Engine port indexes: two ingress-only ports, two egress ports.
enum RelayPort : uint16_t { in0, in1, out0, out1, relay_port_count };

struct FlowOutput {
	uint16_t port;        // RelayPort
	uint32_t dst = 0;     // 0: keep
	uint16_t dport = 0;   // 0: keep
	uint8_t ttl = 0;      // 0: decrement
	uint16_t vlan = 0;    // 0: untagged
	std::optional<std::array<uint8_t, 6>> mac; // given for unicast destinations
};

// What a flow takes in: a port and the packets it matches there.
struct FlowInput {
	uint16_t in_port; // RelayPort
	uint32_t dst;
	uint16_t dport;
	uint32_t src; // 0: any source
	uint16_t vlan;
};

// A merged or monitored flow's sequence number: `size` bytes at `offset`
// in the UDP payload, in the given byte order (config::Sequence).
struct FlowSequence {
	enum Mode : uint8_t { none, merge, monitor } mode;
	uint16_t offset;
	uint8_t size; // 2, 4 or 8
	bool big_endian;
	uint32_t window;
};

struct Flow {
	const char *name;
	uint16_t in_port; // RelayPort; the first input
	uint32_t dst;
	uint16_t dport;
	uint32_t src; // 0: any source
	uint16_t vlan;
	std::vector<FlowOutput> outputs;
	// A merged flow's other inputs, in order: input 1, 2, ...
	std::vector<FlowInput> more_inputs;
	FlowSequence sequence;

	unsigned input_count() const { return 1 + static_cast<unsigned>(more_inputs.size()); }
	// Input i: 0 is the first one.
	FlowInput input(unsigned i) const
	{
		return i == 0 ? FlowInput{in_port, dst, dport, src, vlan} : more_inputs[i - 1];
	}
	// Every input, the first one first (its index is the input's number).
	std::vector<FlowInput> inputs() const
	{
		std::vector<FlowInput> all;
		for (unsigned i = 0; i < input_count(); i++)
			all.push_back(input(i));
		return all;
	}
};

constexpr FlowSequence no_sequence{FlowSequence::none, 0, 0, false, 0};

constexpr uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d;
}

inline const std::vector<Flow> &relay_flows()
{
	static const std::vector<Flow> flows = {
		{"group-any-source", in0, ip(239, 1, 1, 1), 5000, 0, 0,
		 {
			 {out0, ip(239, 2, 2, 2), 6000, 16, 0, {}},
			 // A second clone of large packets (out0 takes chains): the
			 // two share one clone, and with TTL 1 only the first sends.
			 {out0, ip(239, 2, 2, 3), 6001, 0, 0, {}},
			 {out1, 0, 0, 0, 200, {}},
			 {out0, ip(198, 18, 2, 10), 7000, 0, 0,
			  std::array<uint8_t, 6>{0x02, 0, 0, 0, 0x02, 0x0a}},
		 },
		 {},
		 no_sequence},
		{"group-source-specific", in0, ip(239, 1, 1, 2), 5000, ip(198, 18, 0, 7), 0,
		 {{out0, 0, 0, 0, 300, {}}}, {}, no_sequence},
		{"group-on-vlan", in0, ip(239, 1, 1, 3), 6000, 0, 100,
		 {{out1, 0, 0, 0, 0, {}}, {out0, 0, 0, 1, 0, {}}}, {}, no_sequence},
		{"unicast", in0, ip(198, 18, 1, 1), 7000, 0, 0,
		 {{out0, ip(239, 3, 3, 3), 0, 0, 4094, {}}}, {}, no_sequence},
		{"second-port", in1, ip(239, 1, 1, 1), 5000, 0, 0,
		 {{out1, ip(239, 4, 4, 4), 0, 0, 0, {}}}, {}, no_sequence},
		// Two copies of one feed: the same group on both ingress ports
		// (in1 verifies UDP checksums) and a second group on in0. A 32-bit
		// little-endian number at payload byte 0, whose low byte mutates
		// easily; a window of 16, so late numbers and resyncs are near.
		{"merged", in0, ip(239, 1, 5, 1), 5000, 0, 0,
		 {{out0, ip(239, 2, 5, 5), 6000, 0, 0, {}}, {out1, ip(239, 2, 5, 6), 6001, 8, 300, {}}},
		 {{in1, ip(239, 1, 5, 1), 5000, 0, 0}, {in0, ip(239, 1, 5, 2), 5002, 0, 0}},
		 {FlowSequence::merge, 0, 4, false, 16}},
		// An RTP stream watched: everything relayed, the window counts.
		{"monitored", in0, ip(239, 1, 6, 1), 5004, 0, 0,
		 {{out1, ip(239, 2, 6, 6), 0, 0, 0, {}}}, {},
		 {FlowSequence::monitor, 2, 2, true, 64}},
	};
	return flows;
}

struct FlowMatch {
	const Flow *flow = nullptr; // none matched
	unsigned input = 0;         // which of its inputs
};

// The flow and input a packet belongs to, as the rule table resolves it:
// the source-specific key first, then the any-source one.
inline FlowMatch match_flow(uint16_t in_port, uint32_t dst, uint16_t dport, uint16_t vlan,
			    uint32_t src)
{
	FlowMatch any_source;
	for (const Flow &f : relay_flows()) {
		for (unsigned i = 0; i < f.input_count(); i++) {
			const FlowInput in = f.input(i);
			if (in.in_port != in_port || in.dst != dst || in.dport != dport ||
			    in.vlan != vlan)
				continue;
			if (in.src != 0 && in.src == src)
				return {&f, i};
			if (in.src == 0)
				any_source = {&f, i};
		}
	}
	return any_source;
}

// The flow a packet belongs to, or null.
inline const Flow *find_flow(uint16_t in_port, uint32_t dst, uint16_t dport, uint16_t vlan,
			     uint32_t src)
{
	return match_flow(in_port, dst, dport, vlan, src).flow;
}


// --- The general path: IPv6, 4<->6, ranges --------------------------------
// Addresses as 16 network-order bytes, an IPv4 one in the last four
// (packet/address16.h); prefix lengths count the family's bits.

using packet::Address16;

constexpr Address16 a4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, a, b, c, d};
}

// ff3e::X:Y and 2001:2::X:Y, the two kinds of IPv6 address the flows use.
constexpr Address16 g6(uint16_t x, uint16_t y)
{
	return {0xff, 0x3e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, static_cast<uint8_t>(x >> 8),
		static_cast<uint8_t>(x), static_cast<uint8_t>(y >> 8), static_cast<uint8_t>(y)};
}
constexpr Address16 u6(uint16_t x, uint16_t y)
{
	return {0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, static_cast<uint8_t>(x >> 8),
		static_cast<uint8_t>(x), static_cast<uint8_t>(y >> 8), static_cast<uint8_t>(y)};
}

struct GeneralOutput {
	enum Dst : uint8_t { keep, set, map };
	uint16_t port; // RelayPort
	bool ipv6;     // the output's family
	Dst mode;
	Address16 dst{}; // set: the address; map: the prefix
	uint8_t dst_len = 0; // map: the prefix length
	uint16_t dport = 0; // 0: keep
	uint8_t ttl = 0;    // 0: decrement
	uint16_t vlan = 0;
	std::optional<std::array<uint8_t, 6>> mac; // given for unicast destinations
};

struct GeneralFlow {
	const char *name;
	uint16_t in_port; // RelayPort
	bool ipv6;
	Address16 dst;
	uint8_t dst_len;
	Address16 src; // when src_len != 0
	uint8_t src_len;
	uint16_t first_port, last_port;
	uint16_t vlan;
	std::vector<GeneralOutput> outputs;

	unsigned bits() const { return ipv6 ? 128 : 32; }
	// What the exact tables hold (dst and src hosts, one port); the rest
	// is the range stage's.
	bool exact() const
	{
		return dst_len == bits() && (src_len == 0 || src_len == bits()) &&
		       first_port == last_port;
	}
};

constexpr std::array<uint8_t, 6> neighbour_mac{0x02, 0, 0, 0, 0x09, 0x09};

// Nested prefixes (a /24 in a /16, a /112 in a /96), a source prefix over
// a destination prefix, port ranges nested in one key, exact rules inside
// ranges, an IPv4 /0 and an IPv6 /32 (unicast) on VLAN 100, a range on
// in1 (which verifies UDP checksums), and kept, set and mapped
// destinations of both families.
inline const std::vector<GeneralFlow> &general_flows()
{
	using O = GeneralOutput;
	static const std::vector<GeneralFlow> flows = {
		// IPv6 exact: (*,G), (S,G) on the same group, unicast to us.
		{"v6-any-source", in0, true, g6(1, 1), 128, {}, 0, 5000, 5000, 0,
		 {{out0, true, O::set, g6(2, 2), 128, 6000, 0, 0, {}},
		  {out1, false, O::set, a4(239, 6, 6, 6), 32, 0, 0, 300, {}},
		  {out0, true, O::set, u6(9, 10), 128, 7000, 4, 0, neighbour_mac}}},
		{"v6-source-specific", in0, true, g6(1, 1), 128, u6(0, 7), 128, 5000, 5000, 0,
		 {{out0, true, O::keep, {}, 0, 6001, 5, 0, {}}}},
		{"v6-unicast", in0, true, u6(1, 1), 128, {}, 0, 7000, 7000, 0,
		 {{out1, true, O::set, g6(3, 3), 128, 0, 0, 4094, {}},
		  {out0, false, O::set, a4(198, 18, 3, 3), 32, 0, 0, 0, neighbour_mac}}},
		{"v6-second-port", in1, true, g6(1, 1), 128, {}, 0, 5000, 5000, 0,
		 {{out1, true, O::set, g6(4, 4), 128, 0, 0, 0, {}}}},
		// IPv4 exact with an IPv6 output (4 -> 6).
		{"v4-to-v6", in0, false, a4(239, 1, 7, 1), 32, {}, 0, 5000, 5000, 0,
		 {{out0, true, O::set, g6(7, 1), 128, 6000, 0, 0, {}},
		  {out1, false, O::set, a4(239, 2, 7, 1), 32, 0, 0, 0, {}}}},
		// An exact rule inside the ranges below.
		{"v4-exact-in-range", in0, false, a4(239, 10, 2, 2), 32, {}, 0, 5000, 5000, 0,
		 {{out0, false, O::set, a4(239, 40, 4, 4), 32, 0, 0, 0, {}}}},
		// IPv4 ranges.
		{"v4-range-16", in0, false, a4(239, 10, 0, 0), 16, {}, 0, 5000, 5099, 0,
		 {{out0, false, O::keep, {}, 0, 0, 0, 0, {}},
		  {out1, true, O::map, g6(0, 0), 112, 0, 0, 200, {}}}},
		{"v4-range-24", in0, false, a4(239, 10, 1, 0), 24, {}, 0, 5000, 5099, 0,
		 {{out0, false, O::map, a4(239, 20, 1, 0), 24, 6000, 0, 0, {}}}},
		{"v4-range-24-narrow", in0, false, a4(239, 10, 1, 0), 24, {}, 0, 5050, 5059, 0,
		 {{out1, false, O::keep, {}, 0, 0, 9, 0, {}}}},
		{"v4-range-source", in0, false, a4(239, 10, 0, 0), 16, a4(198, 18, 0, 0), 24, 0, 65535,
		 0, {{out0, false, O::map, a4(239, 30, 0, 0), 16, 0, 0, 100, {}}}},
		{"v4-range-all-on-vlan", in0, false, a4(0, 0, 0, 0), 0, {}, 0, 7000, 7999, 100,
		 {{out1, false, O::keep, {}, 0, 0, 0, 0, neighbour_mac}}},
		{"v4-range-second-port", in1, false, a4(239, 11, 0, 0), 16, {}, 0, 0, 65535, 0,
		 {{out0, false, O::keep, {}, 0, 0, 0, 0, {}},
		  {out1, true, O::map, u6(0, 0), 112, 0, 0, 0, neighbour_mac}}},
		// IPv6 ranges (6 -> 4 by mapping the low 32 bits onto 0.0.0.0/0).
		{"v6-range-96", in0, true, g6(0, 0), 96, {}, 0, 5000, 5999, 0,
		 {{out0, true, O::keep, {}, 0, 0, 0, 0, {}},
		  {out1, false, O::map, a4(0, 0, 0, 0), 0, 0, 0, 0, neighbour_mac}}},
		{"v6-range-112", in0, true, g6(1, 0), 112, {}, 0, 5000, 5999, 0,
		 {{out0, true, O::map, g6(9, 0), 112, 6100, 0, 0, {}}}},
		{"v6-range-source", in0, true, g6(0, 0), 96, u6(0, 0), 64, 0, 65535, 0,
		 {{out1, true, O::keep, {}, 0, 0, 3, 0, {}}}},
		// An exact group with a port range: the range stage's.
		{"v6-range-ports", in0, true, g6(1, 1), 128, {}, 0, 5001, 5010, 0,
		 {{out0, true, O::keep, {}, 0, 0, 0, 300, {}}}},
		{"v6-range-unicast-on-vlan", in0, true, u6(0, 0), 32, {}, 0, 0, 65535, 100,
		 {{out1, true, O::keep, {}, 0, 0, 0, 0, neighbour_mac}}},
	};
	return flows;
}

// Whether a's first len bits equal b's, of a family's bits (IPv4: the last
// four bytes).
inline bool prefix_holds(const Address16 &prefix, unsigned len, const Address16 &a, bool ipv6)
{
	const unsigned start = ipv6 ? 0 : 96;
	for (unsigned bit = start; bit < start + len; bit++) {
		const auto mask = static_cast<uint8_t>(0x80 >> (bit % 8));
		if ((prefix[bit / 8] & mask) != (a[bit / 8] & mask))
			return false;
	}
	return true;
}

// The general flow a packet belongs to (none when the IPv4 flows of
// relay_flows() take it or nothing does): the exact tables first
// ((S,G), then (*,G)), then the range stage: the longest destination
// prefix, then the longest source prefix, then the narrowest port range.
inline const GeneralFlow *match_general(uint16_t in_port, bool ipv6, const Address16 &dst,
					uint16_t dport, uint16_t vlan, const Address16 &src)
{
	const GeneralFlow *any_source = nullptr, *best = nullptr;
	for (const GeneralFlow &f : general_flows()) {
		if (f.in_port != in_port || f.ipv6 != ipv6 || f.vlan != vlan || !f.exact() ||
		    f.dst != dst || f.first_port != dport)
			continue;
		if (f.src_len != 0 && f.src == src)
			return &f;
		if (f.src_len == 0)
			any_source = &f;
	}
	if (any_source != nullptr)
		return any_source;
	for (const GeneralFlow &f : general_flows()) {
		if (f.in_port != in_port || f.ipv6 != ipv6 || f.vlan != vlan || f.exact() ||
		    dport < f.first_port || dport > f.last_port ||
		    !prefix_holds(f.dst, f.dst_len, dst, ipv6) ||
		    !prefix_holds(f.src, f.src_len, src, ipv6))
			continue;
		if (best == nullptr || f.dst_len > best->dst_len ||
		    (f.dst_len == best->dst_len &&
		     (f.src_len > best->src_len ||
		      (f.src_len == best->src_len &&
		       f.last_port - f.first_port < best->last_port - best->first_port))))
			best = &f;
	}
	return best;
}

} // namespace mcr::fuzz
