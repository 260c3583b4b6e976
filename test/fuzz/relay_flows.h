// The fixed rule set the engine and XDP targets run against: the flows of
// test/bpf's standard_rules() (any-source group, source-specific group, a
// group on VLAN 100, unicast to the host), with outputs that between them
// take every rewrite and fan-out path, one flow on a second ingress port,
// a merged flow (three inputs over both ingress ports) and a monitored
// one. Host order throughout; the seed frames in corpus/ aim at these.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

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

} // namespace mcr::fuzz
