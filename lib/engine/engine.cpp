#include "engine/engine.h"

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <bit>
#include <cstring>
#include <functional>

#include <fmt/format.h>

#include "common/log.h"
#include "common/mbuf_pool.h"
#include "config/address.h"
#include "config/bounds.h"

namespace mcr::engine {

namespace {

// Header mbufs hold Ethernet + VLAN + IPv4 + UDP only.
constexpr uint16_t header_data_size = 64;

// Packets in flight to a stream's owner worker: a few bursts. A packet of
// a merged rule that finds the ring full is dropped (handoff-full).
constexpr unsigned handoff_ring_size = 2048;

} // namespace

Engine::~Engine()
{
	for (rte_ring *r : handoff_) {
		void *m;
		while (rte_ring_dequeue(r, &m) == 0)
			rte_pktmbuf_free(static_cast<rte_mbuf *>(m));
		rte_ring_free(r);
	}
	rte_mempool_free(clone_pool_);
	rte_mempool_free(header_pool_);
}

int Engine::init(std::vector<EnginePort> ports, const Pools *pools, uint16_t n_workers,
		 const EngineParams &params, std::string *error)
{
	ports_ = std::move(ports);
	ethdev_ = std::make_unique<std::atomic<uint16_t>[]>(ports_.size());
	for (size_t i = 0; i < ports_.size(); i++)
		ethdev_[i].store(ports_[i].port_id, std::memory_order_relaxed);
	pools_ = pools;
	n_workers_ = n_workers;
	params_ = params;

	// Clones and their header mbufs: as many as the largest class. Named
	// with a '.', which no size class name can hold, so they never clash.
	uint32_t count = 0;
	for (const SizeClass &sc : pools->classes())
		count = std::max(count, sc.count);
	const int socket = static_cast<int>(rte_socket_id());
	clone_pool_ = create_mbuf_pool("mcr.clone", count, pool_cache_size(count), 0, socket);
	header_pool_ = create_mbuf_pool("mcr.header", count, pool_cache_size(count),
					RTE_PKTMBUF_HEADROOM + header_data_size, socket);
	if (clone_pool_ == nullptr || header_pool_ == nullptr) {
		*error = fmt::format("cannot create the clone and header pools ({} mbufs each): {}",
				     count, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (uint16_t w = 0; n_workers > 1 && w < n_workers; w++) {
		const std::string name = fmt::format("mcr_handoff_{}", w);
		rte_ring *r = rte_ring_create(name.c_str(), handoff_ring_size, socket, RING_F_SC_DEQ);
		if (r == nullptr) {
			*error = fmt::format("cannot create the hand-off ring of worker {}: {}", w,
					     rte_strerror(rte_errno));
			return -ENOMEM;
		}
		handoff_.push_back(r);
	}
	return rules_.create("mcr_rules", params.rule_capacity, n_workers, error);
}

void Engine::close_port(uint16_t port_index)
{
	ethdev_[port_index].store(ethdev_closed, std::memory_order_release);
	// Workers report a quiescent state only between loop passes with empty
	// TX buffers, so past it none is in rte_eth_rx/tx_burst on the port and
	// the next pass sees it closed.
	if (rules_.qsbr() != nullptr)
		rte_rcu_qsbr_synchronize(rules_.qsbr(), RTE_QSBR_THRID_INVALID);
}

void Engine::open_port(uint16_t port_index, uint16_t ethdev, const rte_ether_addr &mac,
		       uint32_t ipv4, const Address16 &ipv6, uint32_t ifindex)
{
	EnginePort &port = ports_[port_index];
	port.port_id = ethdev;
	port.mac = mac;
	port.ipv4 = ipv4;
	port.ipv6 = ipv6;
	port.ifindex = ifindex;
	ethdev_[port_index].store(ethdev, std::memory_order_release);
}

int Engine::port_index(const std::string &name) const
{
	for (size_t i = 0; i < ports_.size(); i++)
		if (ports_[i].name == name)
			return static_cast<int>(i);
	return -1;
}

std::optional<config::IpAddress> Engine::port_address(const std::string &name, bool ipv6) const
{
	const int i = port_index(name);
	if (i < 0)
		return std::nullopt;
	const EnginePort &p = ports_[static_cast<size_t>(i)];
	if (ipv6)
		return p.ipv6 == Address16{} ? std::nullopt : std::optional<config::IpAddress>(p.ipv6);
	return p.ipv4 == 0 ? std::nullopt : std::optional<config::IpAddress>(p.ipv4);
}

} // namespace mcr::engine
