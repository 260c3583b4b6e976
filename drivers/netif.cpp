#include "netif.h"

#include <bpf/libbpf.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace mcr::drivers {
namespace {

class Socket {
public:
	Socket() : fd_(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
	~Socket()
	{
		if (fd_ >= 0)
			close(fd_);
	}
	Socket(const Socket &) = delete;
	Socket &operator=(const Socket &) = delete;
	int fd() const { return fd_; }

private:
	int fd_;
};

ifreq make_ifreq(const std::string &name)
{
	ifreq req{};
	std::strncpy(req.ifr_name, name.c_str(), IFNAMSIZ - 1);
	return req;
}

} // namespace

int query_kernel_iface(const std::string &name, KernelIface *out, std::string *error)
{
	if (name.empty() || name.size() >= IFNAMSIZ) {
		*error = fmt::format("invalid interface name '{}'", name);
		return -EINVAL;
	}
	KernelIface iface;
	iface.name = name;
	iface.index = if_nametoindex(name.c_str());
	if (iface.index == 0) {
		*error = fmt::format("interface '{}' not found: {}", name, strerror(errno));
		return -ENODEV;
	}

	Socket sock;
	if (sock.fd() < 0) {
		*error = fmt::format("socket: {}", strerror(errno));
		return -errno;
	}
	ifreq req = make_ifreq(name);
	if (ioctl(sock.fd(), SIOCGIFHWADDR, &req) < 0) {
		*error = fmt::format("interface '{}': cannot read MAC: {}", name, strerror(errno));
		return -errno;
	}
	std::memcpy(iface.mac.data(), req.ifr_hwaddr.sa_data, iface.mac.size());

	req = make_ifreq(name);
	if (ioctl(sock.fd(), SIOCGIFMTU, &req) < 0) {
		*error = fmt::format("interface '{}': cannot read MTU: {}", name, strerror(errno));
		return -errno;
	}
	iface.mtu = static_cast<uint32_t>(req.ifr_mtu);

	// An interface without an IPv4 address is fine if the YAML gives one.
	req = make_ifreq(name);
	if (ioctl(sock.fd(), SIOCGIFADDR, &req) == 0) {
		sockaddr_in sin;
		std::memcpy(&sin, &req.ifr_addr, sizeof(sin));
		iface.ipv4 = ntohl(sin.sin_addr.s_addr);
	}

	__u32 prog_id = 0;
	if (bpf_xdp_query_id(static_cast<int>(iface.index), 0, &prog_id) == 0)
		iface.xdp_prog_id = prog_id;

	*out = std::move(iface);
	return 0;
}

unsigned kernel_combined_channels(const std::string &name)
{
	Socket sock;
	ethtool_channels channels{};
	channels.cmd = ETHTOOL_GCHANNELS;
	ifreq req = make_ifreq(name);
	req.ifr_data = reinterpret_cast<char *>(&channels);
	if (sock.fd() < 0 || ioctl(sock.fd(), SIOCETHTOOL, &req) < 0 || channels.max_combined == 0)
		return 1;
	return channels.combined_count;
}

} // namespace mcr::drivers
