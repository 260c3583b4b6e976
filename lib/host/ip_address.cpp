#include "host/ip_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace mcr::host {

int address_family(const IpAddress &address) { return is_ipv6(address) ? AF_INET6 : AF_INET; }

bool is_unspecified(const IpAddress &address)
{
	if (const Ipv6 *v6 = std::get_if<Ipv6>(&address))
		return std::all_of(v6->begin(), v6->end(), [](uint8_t byte) { return byte == 0; });
	return std::get<Ipv4>(address) == 0;
}

std::string ip_text(const IpAddress &address)
{
	char text[INET6_ADDRSTRLEN] = {};
	if (const Ipv6 *v6 = std::get_if<Ipv6>(&address)) {
		inet_ntop(AF_INET6, v6->data(), text, sizeof text);
	} else {
		const in_addr v4{htonl(std::get<Ipv4>(address))};
		inet_ntop(AF_INET, &v4, text, sizeof text);
	}
	return text;
}

sockaddr_storage ip_sockaddr(const IpAddress &address)
{
	sockaddr_storage storage{};
	if (const Ipv6 *v6 = std::get_if<Ipv6>(&address)) {
		sockaddr_in6 in6{};
		in6.sin6_family = AF_INET6;
		std::memcpy(&in6.sin6_addr, v6->data(), v6->size());
		std::memcpy(&storage, &in6, sizeof in6);
	} else {
		sockaddr_in in{};
		in.sin_family = AF_INET;
		in.sin_addr.s_addr = htonl(std::get<Ipv4>(address));
		std::memcpy(&storage, &in, sizeof in);
	}
	return storage;
}

} // namespace mcr::host
