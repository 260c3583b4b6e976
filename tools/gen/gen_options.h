// mcr-gen's command line (the part after EAL's "--").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "traffic/address.h"
#include "traffic/cli_values.h"
#include "traffic/seq_pattern.h"
#include "traffic/udp_frame.h"

namespace mcr::gen {

struct FlowSpec {
	traffic::Endpoint dst;
	uint32_t src_addr = 0; // 0: the kernel's choice (DPDK: the interface's address)
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
	uint8_t ttl = 16;
	uint32_t flow_id_base = 0;
	bool same_flow_id = false; // every flow carries flow_id_base: copies of one stream
	traffic::SeqPattern pattern;
	std::optional<traffic::PortSpec> port; // DPDK back-end when set
	std::optional<traffic::MacAddress> dst_mac;
	std::string json_path;               // "" none, "-" stdout
	bool quiet = false;

	uint32_t payload_size() const { return frame_size - traffic::udp_frame_overhead; }
	uint32_t flow_id(uint32_t flow) const { return flow_id_base + (same_flow_id ? 0 : flow); }
};

// Parses argv[1..argc) (argv[0] is the program). On error returns false
// with a one-line message; on --help returns false with *error empty.
bool parse_gen_options(int argc, char **argv, GenOptions *opt, std::string *error);

extern const char *gen_usage;

} // namespace mcr::gen
