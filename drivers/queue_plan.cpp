#include "queue_plan.h"

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

namespace mcr::drivers {

const char *backend_name(Backend b)
{
	return b == Backend::af_xdp ? "af_xdp" : "af_packet";
}

QueuePlanInput queue_plan_input(const config::Port &cfg, Backend backend, uint16_t workers,
				const ChannelCounts &channels)
{
	QueuePlanInput in;
	in.iface = cfg.iface;
	in.backend = backend;
	in.queues = cfg.queues;
	in.workers = workers;
	in.set_channels = cfg.af_xdp.set_channels;
	in.channels = channels;
	return in;
}

namespace {

void spread(uint16_t queues, uint16_t workers, QueuePlan *plan)
{
	plan->queues = queues;
	plan->rx_worker.clear();
	for (uint16_t q = 0; q < queues; q++)
		plan->rx_worker.push_back(static_cast<uint16_t>(q % workers));
}

// Where the socket count came from, for messages: "queues: 2",
// "3 worker(s) need 3 queue(s)", "queues: 2 (raised to 3 for 3 workers)".
std::string count_origin(const QueuePlanInput &in, unsigned wanted)
{
	if (in.queues == 0)
		return fmt::format("{} worker(s) need {} queue(s)", in.workers, wanted);
	if (in.queues < wanted)
		return fmt::format("queues: {} (raised to {} for {} workers)", in.queues, wanted,
				   in.workers);
	return fmt::format("queues: {}", in.queues);
}

int refuse(std::string *error, std::string message)
{
	*error = std::move(message);
	return -EINVAL;
}

int plan_af_xdp(const QueuePlanInput &in, QueuePlan *plan, std::string *error)
{
	const ChannelCounts &ch = in.channels;
	// The 22.11 PMD reads only combined channels; an interface without
	// them (veth: rx/tx channels) takes one socket, on queue 0.
	const bool has_combined = ch.max_combined > 0;
	const unsigned channels = has_combined ? ch.combined : 1;
	const unsigned wanted =
		std::max<unsigned>(in.queues != 0 ? in.queues : channels, in.workers);

	// Only the default can get here: the YAML's queues are at most 64.
	if (wanted > max_af_xdp_queues)
		return refuse(error, fmt::format(
			"{} has {} combined channels, more than the {} sockets mcr's XDP program "
			"has room for (set queues and af_xdp: {{ set_channels: true }})",
			in.iface, channels, max_af_xdp_queues));
	if (!has_combined) {
		if (in.set_channels)
			plan->warning = fmt::format(
				"set_channels does not apply to {}: it has no combined channels "
				"(ethtool -l{}), and DPDK 22.11's af_xdp PMD reads only combined "
				"ones, so the port has one socket, on RX queue 0",
				in.iface,
				ch.max_rx > 0 ? fmt::format(" shows {} RX channel(s)", ch.rx) : "");
		if (wanted > 1)
			return refuse(error, fmt::format(
				"{}, but {} has no combined channels (ethtool -l), so DPDK 22.11's "
				"af_xdp PMD gives it one queue; {} or use driver af_packet",
				count_origin(in, wanted), in.iface,
				in.workers > 1 ? "use one worker" : "leave queues out"));
		spread(1, in.workers, plan);
		return 0;
	}
	if (wanted == channels) {
		spread(static_cast<uint16_t>(wanted), in.workers, plan);
		return 0;
	}
	if (in.set_channels) {
		if (wanted > ch.max_combined)
			return refuse(error, fmt::format(
				"{}, but {} allows at most {} combined channels (ethtool -l)",
				count_origin(in, wanted), in.iface, ch.max_combined));
		plan->set_combined = wanted;
		spread(static_cast<uint16_t>(wanted), in.workers, plan);
		return 0;
	}
	const std::string fix =
		wanted <= ch.max_combined
			? fmt::format("set af_xdp: {{ set_channels: true }} to let mcr set the "
				      "channels to {}, or ethtool -L {} combined {}",
				      wanted, in.iface, wanted)
			: fmt::format("{} allows at most {}", in.iface, ch.max_combined);
	if (wanted < channels)
		return refuse(error, fmt::format(
			"{} is fewer than the {} combined channels of {}; relay traffic on the "
			"other channels would never reach mcr ({})",
			count_origin(in, wanted), channels, in.iface, fix));
	return refuse(error, fmt::format(
		"{}, but {} has {} combined channel(s) (ethtool -l) and the af_xdp PMD needs "
		"one per queue ({})",
		count_origin(in, wanted), in.iface, channels, fix));
}

} // namespace

int plan_queues(const QueuePlanInput &in, QueuePlan *plan, std::string *error)
{
	*plan = QueuePlan{};
	if (in.workers == 0)
		return refuse(error, "no workers to poll it");
	if (in.backend == Backend::af_xdp)
		return plan_af_xdp(in, plan, error);
	spread(std::max(in.queues, in.workers), in.workers, plan);
	return 0;
}

} // namespace mcr::drivers
