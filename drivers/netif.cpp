#include "netif.h"

#include <bpf/libbpf.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <ifaddrs.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace mcr::drivers {
namespace {

// The interface's first IPv6 address that is not link-local: an output's
// source must reach beyond the link. (A tentative address is taken too:
// mcr writes frames below the stack, and DAD ends within seconds.)
std::optional<std::array<uint8_t, 16>> global_ipv6(const std::string &name)
{
	ifaddrs *list = nullptr;
	if (getifaddrs(&list) != 0)
		return std::nullopt;
	std::optional<std::array<uint8_t, 16>> found;
	for (const ifaddrs *a = list; a != nullptr && !found; a = a->ifa_next) {
		if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET6 || name != a->ifa_name)
			continue;
		sockaddr_in6 sin6;
		std::memcpy(&sin6, a->ifa_addr, sizeof sin6);
		if (IN6_IS_ADDR_LINKLOCAL(&sin6.sin6_addr) || IN6_IS_ADDR_LOOPBACK(&sin6.sin6_addr))
			continue;
		std::array<uint8_t, 16> bytes;
		std::memcpy(bytes.data(), &sin6.sin6_addr, 16);
		found = bytes;
	}
	freeifaddrs(list);
	return found;
}

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

	iface.ipv6 = global_ipv6(name);

	__u32 prog_id = 0;
	if (bpf_xdp_query_id(static_cast<int>(iface.index), 0, &prog_id) == 0)
		iface.xdp_prog_id = prog_id;
	iface.channels = read_channels(name);

	*out = std::move(iface);
	return 0;
}

namespace {

int channels_ioctl(const Socket &sock, const std::string &name, ethtool_channels *channels)
{
	ifreq req = make_ifreq(name);
	req.ifr_data = reinterpret_cast<char *>(channels);
	return ioctl(sock.fd(), SIOCETHTOOL, &req) < 0 ? -errno : 0;
}

} // namespace

ChannelCounts read_channels(const std::string &name)
{
	Socket sock;
	ethtool_channels channels{};
	channels.cmd = ETHTOOL_GCHANNELS;
	if (sock.fd() < 0 || channels_ioctl(sock, name, &channels) < 0)
		return {};
	return {channels.combined_count, channels.max_combined, channels.rx_count,
		channels.max_rx};
}

int set_combined_channels(const std::string &name, unsigned count, std::string *error)
{
	Socket sock;
	if (sock.fd() < 0) {
		*error = fmt::format("socket: {}", strerror(errno));
		return -errno;
	}
	ethtool_channels channels{};
	channels.cmd = ETHTOOL_GCHANNELS;
	int rc = channels_ioctl(sock, name, &channels);
	if (rc < 0) {
		*error = fmt::format("cannot read the channels of {} (ethtool -l): {}", name,
				     strerror(-rc));
		return rc;
	}
	// SCHANNELS takes every count; the ones not given stay as read.
	channels.cmd = ETHTOOL_SCHANNELS;
	channels.combined_count = count;
	rc = channels_ioctl(sock, name, &channels);
	if (rc < 0) {
		*error = fmt::format("cannot set {} combined channels on {} (ethtool -L {} combined "
				     "{}): {}", count, name, name, count, strerror(-rc));
		return rc;
	}
	// A driver may accept the call and apply something else; only what it
	// reports now counts.
	const ChannelCounts now = read_channels(name);
	if (now.combined != count) {
		*error = fmt::format("set {} combined channels on {}, but it reports {} now",
				     count, name, now.combined);
		return -EIO;
	}
	return 0;
}

} // namespace mcr::drivers
