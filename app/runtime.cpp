#include "runtime.h"

#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "common/log.h"

namespace mcr::app {

namespace {

double unix_now()
{
	return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
		.count();
}

} // namespace

Runtime::Runtime(config::Config cfg, host::NeighbourSource &neighbours)
	: cfg_(std::move(cfg)), neighbour_source_(neighbours)
{
}

Runtime::~Runtime()
{
	stop();
}

int Runtime::check_lcores(std::string *error) const
{
	for (unsigned lcore : cfg_.workers.lcores) {
		if (lcore >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lcore)) {
			*error = fmt::format("{}:{}:{}: worker lcore {} is not in EAL's core list "
					     "(give it with -l, e.g. -l 0,{})",
					     cfg_.workers.where.file, cfg_.workers.where.line,
					     cfg_.workers.where.column, lcore, lcore);
			return -EINVAL;
		}
		if (lcore == rte_get_main_lcore()) {
			*error = fmt::format("{}:{}:{}: worker lcore {} is EAL's main lcore, which runs "
					     "the console; pick another",
					     cfg_.workers.where.file, cfg_.workers.where.line,
					     cfg_.workers.where.column, lcore);
			return -EINVAL;
		}
	}
	if (cfg_.ports.size() > engine::max_ports) {
		*error = fmt::format("at most {} ports are supported", engine::max_ports);
		return -EINVAL;
	}
	return 0;
}

// DPDK 22.11's af_xdp PMD fills each RX queue's fill ring with 2048 buffers
// of the RX pool at queue setup (whatever rx_desc is) and keeps it full, so
// those never return to the pool. Say so plainly instead of letting the PMD
// fail with EINVAL.
int Runtime::reserve_rx_buffers(const config::Port &pc, const engine::SizeClass &rx_class,
				uint16_t af_xdp_queues, std::string *error)
{
	if (af_xdp_queues == 0)
		return 0;
	const uint32_t ring = uint32_t{af_xdp_queues} * af_xdp_fill_ring_buffers;
	const uint32_t caches = engine::pool_cache_size(rx_class.count) * rte_lcore_count();
	uint32_t &held = rx_buffers_held_[rx_class.name];
	if (held + ring + caches + min_free_buffers > rx_class.count) {
		*error = fmt::format("port '{}': pool '{}' has {} mbufs, but af_xdp fill rings need "
				     "{} ({} on earlier ports), lcore caches up to {} and {} to work "
				     "with: raise its count to at least {}",
				     pc.name, rx_class.name, rx_class.count, held + ring, held, caches,
				     min_free_buffers, held + ring + caches + min_free_buffers);
		return -ENOBUFS;
	}
	held += ring;
	return 0;
}

int Runtime::open_ports(std::string *error)
{
	const auto nworkers = static_cast<uint16_t>(cfg_.workers.lcores.size());
	for (const config::Port &pc : cfg_.ports) {
		drivers::KernelIface probe;
		int rc = drivers::query_kernel_iface(pc.iface, &probe, error);
		if (rc < 0) {
			*error = fmt::format("port '{}': {}", pc.name, *error);
			return rc;
		}
		// The RX pool is the smallest class that holds a full frame. The
		// af_packet PMD copies a whole ring frame into one mbuf, and its
		// ring frames also carry datagrams the kernel reassembled
		// (doc/configuration.md), so there a class holds a ring frame.
		const uint32_t frame = probe.mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
		const uint32_t rx_bytes =
			pc.driver == config::Driver::af_packet
				? std::max(frame, pc.af_packet.frame_size - drivers::af_packet_data_offset)
				: frame;
		const engine::SizeClass *rx_class = pools_.smallest_fitting(rx_bytes);
		if (rx_class == nullptr) {
			*error = fmt::format("port '{}': no pool holds a {}-byte frame (MTU {} on {}{}); "
					     "add a larger size class",
					     pc.name, rx_bytes, probe.mtu, pc.iface,
					     rx_bytes > frame ? ", af_packet.frame_size - 32" : "");
			return -EINVAL;
		}
		drivers::PortRequest req;
		req.cfg = &pc;
		req.workers = nworkers;
		req.rx_pool = rx_class->pool;
		// The port plans its queues itself; this plan only sizes the af_xdp
		// fill rings. A plan the port will refuse reserves nothing.
		drivers::QueuePlan xdp_plan;
		std::string ignored;
		if (pc.driver != config::Driver::af_packet &&
		    drivers::plan_queues(drivers::queue_plan_input(pc, drivers::Backend::af_xdp,
								   nworkers, probe.channels),
					 &xdp_plan, &ignored) < 0)
			xdp_plan.queues = 0;
		rc = reserve_rx_buffers(pc, *rx_class, xdp_plan.queues, error);
		if (rc < 0 && pc.driver == config::Driver::af_xdp)
			return rc;
		if (rc < 0) { // auto: af_packet holds no fill ring
			req.af_xdp_refused = *error;
			xdp_plan.queues = 0;
		}
		auto port = std::make_unique<drivers::Port>();
		rc = port->open(req, error);
		if (rc < 0)
			return rc;
		// `auto` may have ended on af_packet, which holds no fill ring.
		if (pc.driver == config::Driver::automatic &&
		    port->backend() == drivers::Backend::af_packet)
			rx_buffers_held_[rx_class->name] -= uint32_t{xdp_plan.queues} * af_xdp_fill_ring_buffers;
		ports_.push_back(std::move(port));
	}
	return 0;
}

int Runtime::build_engine(std::string *error)
{
	std::vector<engine::EnginePort> eports;
	for (const auto &port : ports_) {
		engine::EnginePort ep;
		ep.name = port->name();
		ep.iface = port->iface().name;
		ep.port_id = port->id();
		std::copy(port->iface().mac.begin(), port->iface().mac.end(), ep.mac.addr_bytes);
		ep.ipv4 = port->source_ipv4();
		ep.ipv6 = port->source_ipv6();
		ep.multi_seg_tx = port->multi_seg_tx();
		ep.mtu = static_cast<uint16_t>(std::min<uint32_t>(port->iface().mtu, UINT16_MAX));
		ep.reclaims_in_tx_call = port->backend() == drivers::Backend::af_xdp;
		ep.verify_udp_checksum =
			cfg_.find_port(port->name())->udp_checksum == config::UdpChecksum::verify;
		ep.ifindex = port->iface().index;
		eports.push_back(std::move(ep));
	}
	engine::EngineParams params;
	params.burst = cfg_.workers.burst;
	params.copy_threshold = cfg_.workers.copy_threshold;
	params.tx_drain_us = cfg_.workers.tx_drain_us;
	params.idle_sleep_us = cfg_.workers.idle_sleep_us;
	const auto nworkers = static_cast<uint16_t>(cfg_.workers.lcores.size());
	int rc = engine_.init(std::move(eports), &pools_, nworkers, params, error);
	if (rc < 0)
		return rc;

	// Start-up publishes each rule as the console would.
	publisher_ = std::make_unique<publish::Publisher>(engine_, xdp_sink_, group_sink_,
							 neighbour_source_);
	for (const config::Rule &rule : cfg_.rules) {
		rc = publisher_->publish(rule, error);
		if (rc < 0) {
			*error = fmt::format("{}:{}:{}: {}", rule.where.file, rule.where.line,
					     rule.where.column, *error);
			return rc;
		}
	}
	MCR_LOG(rules, INFO, "%u rule(s) in the table", engine_.rules().size());
	return 0;
}

int Runtime::launch_workers(std::string *error)
{
	const auto nworkers = static_cast<uint16_t>(cfg_.workers.lcores.size());
	for (uint16_t w = 0; w < nworkers; w++) {
		auto worker = std::make_unique<engine::Worker>();
		if (cfg_.workers.reassembly_flows != 0) {
			const engine::ReassemblyParams reassembly{cfg_.workers.reassembly_flows,
								  cfg_.workers.reassembly_timeout_ms};
			const int rc = worker->fragments.create(
				reassembly, static_cast<int>(rte_socket_id()), error);
			if (rc < 0)
				return rc;
		}
		worker->lcore = cfg_.workers.lcores[w];
		worker->index = w;
		worker->tx_queue = w;
		worker->running = &running_;
		worker->engine = &engine_;
		workers_.push_back(std::move(worker));
	}
	for (uint16_t p = 0; p < ports_.size(); p++)
		for (uint16_t q = 0; q < ports_[p]->queue_pairs(); q++)
			workers_[ports_[p]->rx_worker()[q]]->rx.push_back({p, ports_[p]->id(), q});

	running_.store(true);
	for (auto &w : workers_)
		rte_eal_remote_launch(engine::worker_main, w.get(), w->lcore);
	launched_ = true;
	return 0;
}

int Runtime::start(std::string *error)
{
	int rc = check_lcores(error);
	if (rc == 0)
		rc = pools_.create(cfg_.pools, static_cast<int>(rte_socket_id()), error);
	if (rc == 0)
		rc = open_ports(error);
	drivers::PortXdp::remove_object_file(); // the PMD has loaded it by now
	if (rc == 0)
		rc = build_engine(error);
	if (rc == 0)
		rc = launch_workers(error);
	if (rc < 0) {
		stop();
		return rc;
	}
	std::lock_guard lock(control_mutex_);
	reload_stats_ = {1, 0, unix_now(), true};
	return 0;
}

int Runtime::reload(std::string *report)
{
	const int rc = reload_rules(report);
	std::lock_guard lock(control_mutex_);
	if (rc == 0) {
		reload_stats_.successes++;
		reload_stats_.last_success_unix_s = unix_now();
	} else {
		reload_stats_.failures++;
	}
	reload_stats_.last_ok = rc == 0;
	return rc;
}

ReloadStats Runtime::reload_stats() const
{
	std::lock_guard lock(control_mutex_);
	return reload_stats_;
}

void Runtime::stop()
{
	if (launched_) {
		running_.store(false);
		for (auto &w : workers_)
			rte_eal_wait_lcore(w->lcore);
		launched_ = false;
	}
	for (auto &w : workers_)
		w->fragments.destroy(); // gives back the fragments it holds
	for (auto &port : ports_)
		port->stop();
	igmp_.leave_all();
	for (auto &port : ports_)
		port->close();
	if (!ports_.empty())
		log_pool_usage("after shutdown");
	ports_.clear();
}

// With workers stopped and ports closed nothing may still hold a buffer:
// anything in use here is a leak, and this line says so.
void Runtime::log_pool_usage(const char *when) const
{
	std::vector<std::pair<std::string, rte_mempool *>> pools;
	for (const engine::SizeClass &sc : pools_.classes())
		pools.emplace_back(sc.name, sc.pool);
	if (engine_.clone_pool() != nullptr)
		pools.emplace_back("clone", engine_.clone_pool());
	if (engine_.header_pool() != nullptr)
		pools.emplace_back("header", engine_.header_pool());
	for (const auto &[name, mp] : pools)
		MCR_LOG(pool, INFO, "pool %s: %u of %u mbufs in use %s", name.c_str(),
			rte_mempool_in_use_count(mp), mp->size, when);
}

void Runtime::clear_port_stats()
{
	for (auto &w : workers_)
		for (engine::PortCounters &pc : w->ports) {
			pc.rx_packets.reset();
			pc.rx_bytes.reset();
			pc.tx_packets.reset();
			pc.tx_bytes.reset();
			pc.tx_dropped.reset();
		}
	for (const auto &port : ports_)
		rte_eth_stats_reset(port->id());
}

int Runtime::find_port(const std::string &name) const
{
	for (size_t i = 0; i < ports_.size(); i++)
		if (ports_[i]->name() == name)
			return static_cast<int>(i);
	return -1;
}

} // namespace mcr::app
