#include "neighbour.h"

#include <arpa/inet.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace mcr::drivers {

namespace {

constexpr unsigned long arp_flag_complete = 0x2; // ATF_COM

} // namespace

NeighbourTable NeighbourTable::read_kernel()
{
	NeighbourTable table;
	std::ifstream arp("/proc/net/arp");
	std::string line;
	std::getline(arp, line); // header
	while (std::getline(arp, line)) {
		std::istringstream in(line);
		std::string ip, hw_type, flags, mac, mask, dev;
		if (!(in >> ip >> hw_type >> flags >> mac >> mask >> dev))
			continue;
		in_addr addr{};
		if (inet_pton(AF_INET, ip.c_str(), &addr) != 1)
			continue;
		if ((std::strtoul(flags.c_str(), nullptr, 16) & arp_flag_complete) == 0)
			continue;
		unsigned b[6];
		if (std::sscanf(mac.c_str(), "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
				&b[5]) != 6)
			continue;
		Mac out;
		for (int i = 0; i < 6; i++)
			out[i] = static_cast<uint8_t>(b[i]);
		table.entries_[{dev, ntohl(addr.s_addr)}] = out;
	}
	return table;
}

std::optional<NeighbourTable::Mac> NeighbourTable::find(const std::string &iface, uint32_t ipv4) const
{
	const auto it = entries_.find({iface, ipv4});
	if (it == entries_.end())
		return std::nullopt;
	return it->second;
}

} // namespace mcr::drivers
