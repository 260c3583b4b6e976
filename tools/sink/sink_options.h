// mcr-sink's command line (the part after EAL's "--").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "traffic/address.h"
#include "traffic/cli_values.h"

namespace mcr::sink {

struct ListenSpec {
	traffic::Endpoint ep; // either family
	// Group joins: the interface, by one of its addresses or by name;
	// "": SinkOptions::iface.
	std::string iface;
	// A source-specific join (MCAST_JOIN_SOURCE_GROUP) for this source.
	std::optional<traffic::IpAddress> source;
};

struct SinkOptions {
	std::vector<ListenSpec> listen;
	std::string iface;                       // --iface-addr; "": the kernel picks by route
	uint32_t dst_count = 1;                  // each endpoint: this many consecutive addresses
	std::optional<traffic::PortSpec> port;   // DPDK back-end when set
	double duration_s = 0;                   // 0 = no limit
	uint64_t count = 0;                      // packets in flows; 0 = no limit
	double idle_s = 0;                       // 0 = no limit
	uint32_t max_flows = 1024;
	std::string json_path;                   // "" none, "-" stdout
	bool quiet = false;
};

// Parses argv[1..argc). On error returns false with a one-line message; on
// --help returns false with *error empty.
bool parse_sink_options(int argc, char **argv, SinkOptions *opt, std::string *error);

extern const char *sink_usage;

} // namespace mcr::sink
