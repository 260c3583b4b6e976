#include "traffic/cli_values.h"

#include <net/if.h>

#include <charconv>
#include <cmath>
#include <string>

namespace mcr::traffic {

bool parse_u64(std::string_view text, uint64_t min, uint64_t max, uint64_t *value)
{
	uint64_t v = 0;
	const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
	if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < min ||
	    v > max)
		return false;
	*value = v;
	return true;
}

bool parse_seconds(std::string_view text, double *seconds)
{
	const std::string s(text);
	char *end = nullptr;
	const double v = std::strtod(s.c_str(), &end);
	if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) || v < 0)
		return false;
	*seconds = v;
	return true;
}

bool parse_port_spec(std::string_view text, PortSpec *spec)
{
	const size_t colon = text.find(':');
	if (colon == std::string_view::npos)
		return false;
	const std::string_view driver = text.substr(0, colon);
	const std::string_view iface = text.substr(colon + 1);
	if (iface.empty() || iface.size() >= IFNAMSIZ)
		return false;
	if (driver == "af_packet")
		spec->driver = PortSpec::Driver::af_packet;
	else if (driver == "af_xdp")
		spec->driver = PortSpec::Driver::af_xdp;
	else
		return false;
	spec->iface = std::string(iface);
	return true;
}

const char *driver_name(PortSpec::Driver d)
{
	return d == PortSpec::Driver::af_xdp ? "af_xdp" : "af_packet";
}

} // namespace mcr::traffic
