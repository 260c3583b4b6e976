// Parsers for the tools' option values, with the ranges checked, so both
// tools reject a bad value with the same words.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mcr::traffic {

// Decimal integer in [min, max].
bool parse_u64(std::string_view text, uint64_t min, uint64_t max, uint64_t *value);
// Non-negative decimal number of seconds, e.g. "2" or "0.5".
bool parse_seconds(std::string_view text, double *seconds);

// A DPDK port given as "af_packet:IFACE" or "af_xdp:IFACE".
struct PortSpec {
	enum class Driver { af_packet, af_xdp } driver = Driver::af_packet;
	std::string iface;
};
bool parse_port_spec(std::string_view text, PortSpec *spec);
const char *driver_name(PortSpec::Driver d);

} // namespace mcr::traffic
