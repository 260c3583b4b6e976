// The tools' addresses as the socket API takes them, and back: one place
// that knows sockaddr_in and sockaddr_in6.
#pragma once

#include <sys/socket.h>

#include <cstdint>

#include "traffic/address.h"

namespace mcr::traffic {

// Fills *out with addr and port (AF_INET or AF_INET6); returns its length.
socklen_t to_sockaddr(const IpAddress &addr, uint16_t port, sockaddr_storage *out);
// The address and port of an AF_INET or AF_INET6 sockaddr.
Endpoint from_sockaddr(const sockaddr_storage &sa);

} // namespace mcr::traffic
