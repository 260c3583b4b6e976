#include "neighbours_view.h"

#include <fmt/format.h>

#include "config/address.h"

namespace mcr::app {

std::string neighbour_mac_text(const publish::NeighbourUse &use)
{
	return use.mac ? config::format_mac(*use.mac) : "unresolved";
}

std::string format_neighbours(const std::vector<publish::NeighbourUse> &uses)
{
	if (uses.empty())
		return "no unicast output looks up a neighbour\n";
	std::string out = fmt::format("  {:<12} {:<16} {:<16} {:<18} {}\n", "port", "destination",
				      "next hop", "mac", "rules");
	for (const publish::NeighbourUse &u : uses) {
		std::string rules;
		for (const std::string &r : u.rules)
			rules += (rules.empty() ? "" : ",") + r;
		out += fmt::format("  {:<12} {:<16} {:<16} {:<18} {}\n", u.port,
				   config::format_ip_address(u.destination),
				   config::format_ip_address(u.next_hop.ip), neighbour_mac_text(u), rules);
	}
	return out;
}

} // namespace mcr::app
