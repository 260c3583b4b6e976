#include "neighbour.h"

#include <arpa/inet.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace mcr::drivers {

namespace {

constexpr unsigned arp_flag_complete = 0x2; // ATF_COM

} // namespace

std::optional<std::array<uint8_t, 6>> kernel_neighbour(const std::string &iface, uint32_t ipv4)
{
	std::ifstream arp("/proc/net/arp");
	std::string line;
	std::getline(arp, line); // header
	while (std::getline(arp, line)) {
		std::istringstream in(line);
		std::string ip, hw_type, flags, mac, mask, dev;
		if (!(in >> ip >> hw_type >> flags >> mac >> mask >> dev) || dev != iface)
			continue;
		in_addr addr{};
		if (inet_pton(AF_INET, ip.c_str(), &addr) != 1 || ntohl(addr.s_addr) != ipv4)
			continue;
		if ((std::stoul(flags, nullptr, 16) & arp_flag_complete) == 0)
			continue;
		std::array<uint8_t, 6> out{};
		unsigned b[6];
		if (std::sscanf(mac.c_str(), "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
				&b[5]) != 6)
			continue;
		for (int i = 0; i < 6; i++)
			out[i] = static_cast<uint8_t>(b[i]);
		return out;
	}
	return std::nullopt;
}

} // namespace mcr::drivers
