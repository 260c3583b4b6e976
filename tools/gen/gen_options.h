// mcr-gen's command line (the part after EAL's "--").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "traffic/address.h"
#include "traffic/cli_values.h"
#include "traffic/seq_field.h"
#include "traffic/seq_pattern.h"
#include "traffic/udp_frame.h"

namespace mcr::gen {

struct FlowSpec {
	traffic::Endpoint dst; // either family
	// The destination's family. Unset: the kernel's choice (DPDK: the
	// interface's address of that family).
	std::optional<traffic::IpAddress> src_addr;
	uint16_t src_port = 0; // 0: the kernel's choice (DPDK: default_dpdk_src_port)
};

inline constexpr uint16_t default_dpdk_src_port = 4000;

struct GenOptions {
	std::vector<FlowSpec> flows;
	uint64_t rate_pps = 1000;           // all flows together; 0 = as fast as possible
	uint32_t frame_size = 128;          // Ethernet, without FCS
	uint64_t count_per_flow = 0;        // sequence numbers per flow; 0 = no limit
	double duration_s = 0;              // 0 = no limit
	uint32_t burst = 32;
	uint8_t ttl = 16;                   // IPv6: the hop limit
	uint32_t dst_count = 1;             // each --flow: this many consecutive destinations
	uint32_t flow_id_base = 0;
	bool same_flow_id = false; // every flow carries flow_id_base: copies of one stream
	traffic::SeqPattern pattern;
	traffic::SeqField seq_field;          // a copy of the sequence in the filler
	std::optional<traffic::PortSpec> port; // DPDK back-end when set
	std::optional<traffic::MacAddress> dst_mac;
	std::string json_path;               // "" none, "-" stdout
	std::string omitted_path;            // "" none, "-" stdout: what --skip/--loss left out
	bool quiet = false;

	// UDP payload bytes of a flow to dst: the frame size less the headers
	// of dst's family.
	uint32_t payload_size(const traffic::IpAddress &dst) const
	{
		return frame_size - traffic::frame_overhead(dst);
	}
	// The smallest payload of any flow (IPv6 flows have 20 bytes less).
	uint32_t min_payload_size() const;
	uint32_t flow_id(uint32_t flow) const { return flow_id_base + (same_flow_id ? 0 : flow); }
};

// Parses argv[1..argc) (argv[0] is the program). On error returns false
// with a one-line message; on --help returns false with *error empty.
bool parse_gen_options(int argc, char **argv, GenOptions *opt, std::string *error);

extern const char *gen_usage;

} // namespace mcr::gen
