// The fixed rule set the engine and XDP targets run against: the flows of
// test/bpf's standard_rules() (any-source group, source-specific group, a
// group on VLAN 100, unicast to the host), with outputs that between them
// take every rewrite and fan-out path, and one flow on a second ingress
// port. Host order throughout; the seed frames in corpus/ aim at these.
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

struct Flow {
	const char *name;
	uint16_t in_port; // RelayPort
	uint32_t dst;
	uint16_t dport;
	uint32_t src; // 0: any source
	uint16_t vlan;
	std::vector<FlowOutput> outputs;
};

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
		 }},
		{"group-source-specific", in0, ip(239, 1, 1, 2), 5000, ip(198, 18, 0, 7), 0,
		 {{out0, 0, 0, 0, 300, {}}}},
		{"group-on-vlan", in0, ip(239, 1, 1, 3), 6000, 0, 100,
		 {{out1, 0, 0, 0, 0, {}}, {out0, 0, 0, 1, 0, {}}}},
		{"unicast", in0, ip(198, 18, 1, 1), 7000, 0, 0,
		 {{out0, ip(239, 3, 3, 3), 0, 0, 4094, {}}}},
		{"second-port", in1, ip(239, 1, 1, 1), 5000, 0, 0,
		 {{out1, ip(239, 4, 4, 4), 0, 0, 0, {}}}},
	};
	return flows;
}

// The flow a packet belongs to, as the rule table resolves it: the
// source-specific key first, then the any-source one. Null if none.
inline const Flow *find_flow(uint16_t in_port, uint32_t dst, uint16_t dport, uint16_t vlan,
			     uint32_t src)
{
	const Flow *any_source = nullptr;
	for (const Flow &f : relay_flows()) {
		if (f.in_port != in_port || f.dst != dst || f.dport != dport || f.vlan != vlan)
			continue;
		if (f.src != 0 && f.src == src)
			return &f;
		if (f.src == 0)
			any_source = &f;
	}
	return any_source;
}

} // namespace mcr::fuzz
