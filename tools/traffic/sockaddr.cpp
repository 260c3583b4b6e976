#include "traffic/sockaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace mcr::traffic {

socklen_t to_sockaddr(const IpAddress &addr, uint16_t port, sockaddr_storage *out)
{
	*out = sockaddr_storage{};
	if (const auto *v6 = std::get_if<Ipv6>(&addr)) {
		auto *sa = reinterpret_cast<sockaddr_in6 *>(out);
		sa->sin6_family = AF_INET6;
		sa->sin6_port = htons(port);
		std::memcpy(sa->sin6_addr.s6_addr, v6->data(), v6->size());
		return sizeof(sockaddr_in6);
	}
	auto *sa = reinterpret_cast<sockaddr_in *>(out);
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	sa->sin_addr.s_addr = htonl(std::get<uint32_t>(addr));
	return sizeof(sockaddr_in);
}

Endpoint from_sockaddr(const sockaddr_storage &sa)
{
	if (sa.ss_family == AF_INET6) {
		const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(&sa);
		Ipv6 v6;
		std::memcpy(v6.data(), in6->sin6_addr.s6_addr, v6.size());
		return Endpoint{v6, ntohs(in6->sin6_port)};
	}
	const auto *in = reinterpret_cast<const sockaddr_in *>(&sa);
	return Endpoint{ntohl(in->sin_addr.s_addr), ntohs(in->sin_port)};
}

} // namespace mcr::traffic
