// What the kernel knows about an interface: read once at start-up so the
// engine can stamp its MAC and address on outgoing packets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace mcr::drivers {

struct KernelIface {
	std::string name;
	unsigned index = 0;
	std::array<uint8_t, 6> mac{};
	uint32_t mtu = 0;
	std::optional<uint32_t> ipv4; // host byte order
	uint32_t xdp_prog_id = 0;     // 0: no XDP program attached
};

// Returns 0 and fills *out, or a negative errno with *error saying why.
int query_kernel_iface(const std::string &name, KernelIface *out, std::string *error);

// Combined channels as `ethtool -l` reports them; 1 when the driver has
// none (veth), which is what DPDK 22.11's af_xdp PMD assumes too.
unsigned kernel_combined_channels(const std::string &name);

} // namespace mcr::drivers
