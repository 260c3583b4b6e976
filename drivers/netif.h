// What the kernel knows about an interface: read once at start-up so the
// engine can stamp its MAC and address on outgoing packets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace mcr::drivers {

// Channels as ETHTOOL_GCHANNELS (`ethtool -l`) reports them. A NIC with
// RSS reports combined channels; veth reports rx/tx ones and no combined
// (max_combined 0); an interface without the ioctl reports nothing.
struct ChannelCounts {
	unsigned combined = 0;
	unsigned max_combined = 0;
	unsigned rx = 0;
	unsigned max_rx = 0;
};

struct KernelIface {
	std::string name;
	unsigned index = 0;
	std::array<uint8_t, 6> mac{};
	uint32_t mtu = 0;
	std::optional<uint32_t> ipv4; // host byte order
	// The first IPv6 address that is not link-local, network byte order:
	// what IPv6 outputs are sent from by default.
	std::optional<std::array<uint8_t, 16>> ipv6;
	uint32_t xdp_prog_id = 0;     // 0: no XDP program attached
	ChannelCounts channels;
};

// Returns 0 and fills *out, or a negative errno with *error saying why.
int query_kernel_iface(const std::string &name, KernelIface *out, std::string *error);

// All zero when the interface does not answer ETHTOOL_GCHANNELS.
ChannelCounts read_channels(const std::string &name);

// `ethtool -L <name> combined <count>` (ETHTOOL_SCHANNELS), the other
// counts left as they are, then read back: 0 once the interface reports
// `count` combined channels, or a negative errno with *error saying why.
int set_combined_channels(const std::string &name, unsigned count, std::string *error);

} // namespace mcr::drivers
