// How many RX/TX queue pairs a port opens and which worker polls which RX
// queue, decided from the YAML, the worker count and the interface's
// channels. Pure (no DPDK, no ioctl), so every case is unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/model.h"
#include "netif.h"

namespace mcr::drivers {

enum class Backend { af_xdp, af_packet };
// Slots in the XDP program's xsks_map (MCR_XDP_MAX_QUEUES, asserted equal
// in port_xdp.cpp): an af_xdp port cannot bind more sockets.
constexpr unsigned max_af_xdp_queues = 256;
const char *backend_name(Backend b);

struct QueuePlanInput {
	std::string iface; // for the messages
	Backend backend = Backend::af_packet;
	uint16_t queues = 0;  // YAML `queues`; 0: the default
	uint16_t workers = 1;
	bool set_channels = false; // YAML af_xdp: { set_channels: true }
	ChannelCounts channels;
};

QueuePlanInput queue_plan_input(const config::Port &cfg, Backend backend, uint16_t workers,
				const ChannelCounts &channels);

struct QueuePlan {
	uint16_t queues = 0; // RX/TX queue pairs (af_xdp: sockets) to open
	// rx_worker[q]: the worker that polls RX queue q. Worker w sends on TX
	// queue w of every port, which is why there are never fewer queues
	// than workers.
	std::vector<uint16_t> rx_worker;
	// af_xdp: set the interface's combined channels to this before the
	// sockets are bound.
	std::optional<unsigned> set_combined;
	// set_channels was asked for on an interface it cannot apply to; the
	// plan stands, and this says why nothing was set (log it).
	std::string warning;
};

// 0 and *plan, or -EINVAL and *error naming the numbers that conflict
// (without the port's name, which the caller puts in front).
//  af_packet: max(queues or workers, workers) queues; the kernel's
//    PACKET_FANOUT_HASH spreads flows over them whatever the channels.
//  af_xdp: one socket per combined channel by default, at least one per
//    worker; a count that differs from the combined channels is refused
//    (fewer: relay traffic on the other channels would reach no socket;
//    more: the PMD needs a channel per socket) unless set_channels lets
//    mcr set the channels. No combined channels (veth) counts as one.
int plan_queues(const QueuePlanInput &in, QueuePlan *plan, std::string *error);

} // namespace mcr::drivers
