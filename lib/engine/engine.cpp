#include "engine/engine.h"

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include <fmt/format.h>

#include "common/log.h"
#include "common/mbuf_pool.h"
#include "config/address.h"

namespace mcr::engine {

namespace {

// Header mbufs hold Ethernet + VLAN + IPv4 + UDP only.
constexpr uint16_t header_data_size = 64;

// The DSCP is the TOS byte's upper six bits; the lower two are ECN
// (RFC 2474, RFC 3168), which a relay passes on.
constexpr unsigned dscp_shift = 2;
constexpr uint8_t dscp_bits = 0xfc;

} // namespace

Engine::~Engine()
{
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
		       uint32_t ipv4, uint32_t ifindex)
{
	EnginePort &port = ports_[port_index];
	port.port_id = ethdev;
	port.mac = mac;
	port.ipv4 = ipv4;
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

uint32_t Engine::port_ipv4(const std::string &name) const
{
	const int i = port_index(name);
	return i < 0 ? 0 : ports_[static_cast<size_t>(i)].ipv4;
}

RuleKey Engine::key_of(const config::Match &match, uint16_t port_index)
{
	RuleKey key{};
	key.dst_ip = rte_cpu_to_be_32(match.dst);
	key.src_ip = match.src ? rte_cpu_to_be_32(*match.src) : 0;
	key.dst_port = rte_cpu_to_be_16(match.dport);
	key.vlan = match.vlan;
	key.port_index = port_index;
	return key;
}

CompiledRule *Engine::compile(const config::Rule &rule, const NeighbourLookup &neighbours,
			      std::string *error) const
{
	const int in_port = port_index(rule.match.port);
	if (in_port < 0) {
		*error = fmt::format("rule '{}': unknown port '{}'", rule.name, rule.match.port);
		return nullptr;
	}
	if (rule.outputs.empty() || rule.outputs.size() > max_outputs) {
		*error = fmt::format("rule '{}': needs 1 to {} outputs", rule.name, max_outputs);
		return nullptr;
	}
	std::vector<CompiledOutput> outs;
	for (const config::Output &o : rule.outputs) {
		const int out_port = port_index(o.port);
		if (out_port < 0) {
			*error = fmt::format("rule '{}': unknown port '{}'", rule.name, o.port);
			return nullptr;
		}
		const EnginePort &port = ports_[out_port];
		if (port.ipv4 == 0 && o.src.kind == config::OutputSource::Kind::port) {
			*error = fmt::format("rule '{}': port '{}' ({}) has no IPv4 address to send "
					     "from; give it `address:`, or the output `src:`",
					     rule.name, port.name, port.iface);
			return nullptr;
		}
		const config::Ipv4 dst = o.dst.value_or(rule.match.dst);
		CompiledOutput c{};
		c.port_index = static_cast<uint16_t>(out_port);
		c.chains = port.multi_seg_tx;
		c.mtu = port.mtu;
		c.rewrite.src_mac = port.mac;
		switch (o.src.kind) {
		case config::OutputSource::Kind::port:
			c.rewrite.src_ip = rte_cpu_to_be_32(port.ipv4);
			break;
		case config::OutputSource::Kind::address:
			c.rewrite.src_ip = rte_cpu_to_be_32(o.src.address);
			break;
		case config::OutputSource::Kind::keep:
			c.rewrite.keep_src = true;
			break;
		}
		if (o.dscp) {
			c.rewrite.tos_clear = dscp_bits;
			c.rewrite.tos_set = static_cast<uint8_t>(*o.dscp << dscp_shift);
		}
		c.rewrite.dst_ip = o.dst ? rte_cpu_to_be_32(*o.dst) : 0;
		c.rewrite.dst_port = o.dport ? rte_cpu_to_be_16(*o.dport) : 0;
		c.rewrite.ttl = o.ttl.value_or(0);
		c.rewrite.vlan = o.vlan.value_or(0);
		if (o.mac) {
			std::copy(o.mac->begin(), o.mac->end(), c.rewrite.dst_mac.addr_bytes);
		} else if (config::is_ipv4_multicast(dst)) {
			c.rewrite.dst_mac = packet::multicast_mac(rte_cpu_to_be_32(dst));
		} else {
			const auto mac = neighbours ? neighbours(port, dst) : std::nullopt;
			if (mac)
				c.rewrite.dst_mac = *mac;
			else
				c.no_neighbour = true;
		}
		c.header_len = packet::output_header_len(c.rewrite);
		outs.push_back(c);
	}
	return CompiledRule::create(rule.name, key_of(rule.match, static_cast<uint16_t>(in_port)),
				    outs.data(), static_cast<uint16_t>(outs.size()), n_workers_);
}

} // namespace mcr::engine
