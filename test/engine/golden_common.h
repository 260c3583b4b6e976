// Shared by the golden-pcap tests: the test network's addresses, the
// upstream flows, and short ways to state rules, ports and expectations.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/model.h"
#include "engine/compiled_rule.h"
#include "frame_builder.h"
#include "packet/drop_reason.h"
#include "relay_expect.h"
#include "relay_harness.h"

namespace mcr::engine::test {

using packet::DropReason;
using PoolUse = std::map<std::string, unsigned>;

inline const MacBytes sender_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0xaa};
inline const MacBytes in0_mac{0x02, 0x00, 0x00, 0x00, 0x01, 0x01};
inline const MacBytes out0_mac{0x02, 0x00, 0x00, 0x00, 0x02, 0x01};
inline const MacBytes out1_mac{0x02, 0x00, 0x00, 0x00, 0x03, 0x01};
inline const MacBytes unicast_next_hop{0x02, 0x00, 0x00, 0x00, 0x0e, 0x01};

constexpr uint32_t in0_ip = ipv4(198, 18, 1, 1);
constexpr uint32_t out0_ip = ipv4(198, 18, 2, 1);
constexpr uint32_t out1_ip = ipv4(198, 18, 3, 1);
constexpr uint32_t source_1 = ipv4(198, 18, 0, 10);
constexpr uint32_t source_2 = ipv4(198, 18, 0, 11);
constexpr uint32_t source_3 = ipv4(198, 18, 0, 12);
constexpr uint32_t group_1 = ipv4(239, 1, 1, 1);
constexpr uint32_t group_2 = ipv4(239, 1, 1, 2);
constexpr uint32_t group_3 = ipv4(239, 1, 1, 3);
constexpr uint32_t out_group_a = ipv4(239, 2, 2, 2);
constexpr uint32_t out_group_b = ipv4(239, 3, 3, 3);
constexpr uint32_t unicast_dst = ipv4(198, 18, 3, 10);

// A frame of flow `flow` (its id is in the payload), sequence `seq`, from
// the upstream sender to group_1:5000. Ethernet-minimum padding is added
// when the frame is short, as a real NIC would deliver it.
inline UdpFrame flow_frame(uint32_t flow, uint32_t seq, size_t payload_len)
{
	UdpFrame f;
	f.dst_mac = group_mac(group_1);
	f.src_mac = sender_mac;
	f.ip_id = static_cast<uint16_t>(0x1000 + seq);
	f.src_ip = source_1;
	f.dst_ip = group_1;
	f.src_port = static_cast<uint16_t>(40000 + flow);
	f.dst_port = 5000;
	f.payload = sequenced_payload(flow, seq, payload_len);
	const size_t len = 14 + 20 + 8 + f.payload.size();
	f.padding = len < 60 ? 60 - len : 0;
	return f;
}

inline std::vector<Bytes> built(const std::vector<UdpFrame> &frames)
{
	std::vector<Bytes> b;
	for (const UdpFrame &f : frames)
		b.push_back(build_frame(f));
	return b;
}

inline config::Rule make_rule(const std::string &name, uint32_t group, uint16_t dport,
		       std::vector<config::Output> outputs, std::optional<uint32_t> source = {},
		       uint16_t vlan = 0)
{
	config::Rule r;
	r.name = name;
	r.match.port = "in0";
	r.match.dst = config::Prefix::host(group);
	r.match.dport = config::PortRange::single(dport);
	if (source)
		r.match.src = config::Prefix::host(*source);
	r.match.vlan = vlan;
	r.outputs = std::move(outputs);
	return r;
}

inline void add_rule(RelayHarness &h, const config::Rule &rule)
{
	std::string error;
	ASSERT_EQ(h.add_rule(rule, &error), 0) << error;
}

inline PortPlan ingress(std::vector<UdpFrame> frames)
{
	return {"in0", in0_mac, in0_ip, built(frames)};
}

inline PortPlan ingress_bytes(std::vector<Bytes> frames)
{
	return {"in0", in0_mac, in0_ip, std::move(frames)};
}

inline PortPlan egress(const std::string &name)
{
	return name == "out0" ? PortPlan{"out0", out0_mac, out0_ip, {}}
			      : PortPlan{"out1", out1_mac, out1_ip, {}};
}

inline PoolUse plus(PoolUse use, const PoolUse &extra)
{
	for (const auto &[pool, n] : extra)
		use[pool] += n;
	return use;
}

// What `port` sent carries exactly the expected flows (expect_flows);
// `what` names the port's role in a failure.
inline void expect_sent(RelayHarness &h, const std::string &port,
			const std::vector<UdpFrame> &expected, const std::string &what)
{
	SCOPED_TRACE(what);
	expect_flows(h.sent_on(port), expected);
}

// Every drop reason counter equals `expected` (absent = 0).
inline void expect_drops(const RelayHarness &h, const std::map<DropReason, uint64_t> &expected)
{
	for (size_t i = 1; i < packet::drop_reason_count; i++) {
		const auto reason = static_cast<DropReason>(i);
		const auto it = expected.find(reason);
		EXPECT_EQ(h.drops(reason), it == expected.end() ? 0 : it->second)
			<< "drops for " << packet::drop_reason_name(reason);
	}
}

// Every reason's drops on one port: what the worker counted against it
// (ingress for parse and lookup drops, egress for an output's).
inline void expect_port_drops(const RelayHarness &h, const std::string &port,
			      const std::map<DropReason, uint64_t> &expected)
{
	for (size_t i = 1; i < packet::drop_reason_count; i++) {
		const auto reason = static_cast<DropReason>(i);
		const auto it = expected.find(reason);
		EXPECT_EQ(h.port_drops(port, reason), it == expected.end() ? 0 : it->second)
			<< "drops for " << packet::drop_reason_name(reason) << " on port " << port;
	}
}

// Every reason's drops of one output.
inline void expect_output_drops(const OutputCounters &oc, const std::map<DropReason, uint64_t> &expected)
{
	for (const DropReason reason : output_drop_reasons) {
		const auto it = expected.find(reason);
		EXPECT_EQ(oc.dropped(reason), it == expected.end() ? 0 : it->second)
			<< "output drops for " << packet::drop_reason_name(reason);
	}
}

inline const CompiledRule &published(RelayHarness &h, const config::Rule &rule)
{
	const CompiledRule *r = h.engine().rules().find(Engine::key_of(rule.match, h.port_index("in0")));
	if (r == nullptr)
		throw std::runtime_error("rule " + rule.name + " is not published");
	return *r;
}

} // namespace mcr::engine::test
