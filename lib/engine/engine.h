// The forwarding engine's shared state: egress ports as the fast path sees
// them, the size classes, the clone and header pools, the rule table and
// the tuning knobs. Built on the main lcore; workers only read it.
#pragma once

#include <rte_ether.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/model.h"
#include "engine/pools.h"
#include "engine/rule_table.h"

struct rte_mempool;
struct rte_ring;

namespace mcr::engine {

struct EnginePort {
	std::string name;
	std::string iface;
	uint16_t port_id = 0;
	rte_ether_addr mac{};
	uint32_t ipv4 = 0;      // host order; 0 = unknown (rules sending here are refused)
	bool multi_seg_tx = false; // PMD takes chained mbufs (clone + header)
	// The PMD frees sent mbufs only inside a later TX call (af_xdp reads its
	// completion ring there): an idle worker makes a few empty ones.
	bool reclaims_in_tx_call = false;
	// `udp_checksum: verify`: every relayed datagram's UDP checksum is
	// checked, and a wrong one dropped as bad-udp-checksum.
	bool verify_udp_checksum = false;
	uint16_t mtu = 1500; // IPv4 bytes a frame may carry: larger outputs are fragmented
	uint32_t ifindex = 0; // the kernel's, for its routes and neighbours (control plane)
	Address16 ipv6{};     // what IPv6 outputs are sent from; all zero = unknown, as for ipv4
};

struct EngineParams {
	uint16_t burst = 32;
	// Outputs up to this many bytes are copied into a size-class mbuf;
	// larger ones are an indirect clone of the payload behind a header mbuf
	// (on ports that take chained mbufs). 256: where a clone starts to cost
	// less than a copy (bench-engine, doc/benchmarks-engine.md).
	uint32_t copy_threshold = 256;
	uint32_t tx_drain_us = 100;
	uint32_t idle_sleep_us = 0; // config::Workers::idle_sleep_us
	uint32_t rule_capacity = 131072;
};

// The next-hop MAC of a unicast destination on an egress port, if known.
using NeighbourLookup =
	std::function<std::optional<rte_ether_addr>(const EnginePort &, const config::IpAddress &ip)>;

// A configuration address (IPv4 in host order) as the engine holds it.
Address16 address16_of(const config::IpAddress &address);

class Engine {
public:
	Engine() = default;
	~Engine();
	Engine(const Engine &) = delete;
	Engine &operator=(const Engine &) = delete;

	int init(std::vector<EnginePort> ports, const Pools *pools, uint16_t n_workers,
		 const EngineParams &params, std::string *error);

	// Compiles a config rule against the ports (throws nothing; returns
	// nullptr with *error naming what is wrong, e.g. an unknown port). A
	// unicast output without `mac:` whose neighbour is not known is
	// compiled as no_neighbour: its packets are counted drops until the
	// rule is compiled again with the MAC. Publishing it (rules().add) is
	// publish::Publisher's job, which also keeps the XDP maps, memberships
	// and neighbours. previous: the stream of the rule this one will
	// replace, kept (window, counters, owner) if it watches the same
	// numbers the same way.
	CompiledRule *compile(const config::Rule &rule, const NeighbourLookup &neighbours,
			      std::string *error, Stream *previous = nullptr) const;

	RuleTable &rules() { return rules_; }
	const RuleTable &rules() const { return rules_; }
	const std::vector<EnginePort> &ports() const { return ports_; }
	const Pools &pools() const { return *pools_; }
	rte_mempool *clone_pool() const { return clone_pool_; }
	rte_mempool *header_pool() const { return header_pool_; }
	const EngineParams &params() const { return params_; }
	uint16_t worker_count() const { return n_workers_; }
	// The ring other workers hand worker w the packets of the streams it
	// owns through (Stream::owner); nullptr with one worker, which owns all.
	rte_ring *handoff_ring(uint16_t w) const
	{
		return w < handoff_.size() ? handoff_[w] : nullptr;
	}
	int port_index(const std::string &name) const;
	// The address of the family asked a port's outputs are sent from by
	// default; none for an unknown port or one without such an address.
	std::optional<config::IpAddress> port_address(const std::string &name, bool ipv6) const;

	// The one conversion of a match (host order) into the key of the
	// rule's input (network order): the rule table's, the reload diff's
	// and, field for field, the XDP rule maps'.
	static InputKey key_of(const config::Match &match, uint16_t port_index);

	// The ethdev workers poll and send on for a port, or ethdev_closed
	// while the port is closed (its interface went away): workers read it
	// with acquire before every RX and TX call on the port.
	static constexpr uint16_t ethdev_closed = UINT16_MAX;
	uint16_t ethdev(uint16_t port_index) const
	{
		return ethdev_[port_index].load(std::memory_order_acquire);
	}
	// Main lcore. Marks the port closed and returns once no worker can
	// still be inside an RX or TX call on it, nor hold a packet for it
	// (an RCU grace period of the rule table's QSBR): then the ethdev may
	// be closed.
	void close_port(uint16_t port_index);
	// Main lcore, port closed: the ethdev it was opened again as (DPDK may
	// or may not give the same id back) and its interface's MAC, address
	// and ifindex (the publisher's next hops are through it).
	void open_port(uint16_t port_index, uint16_t ethdev, const rte_ether_addr &mac, uint32_t ipv4,
		       const Address16 &ipv6, uint32_t ifindex);

private:
	int compile_ipv4_output(const config::Output &o, config::Ipv4 dst,
				const NeighbourLookup &neighbours, CompiledOutput &c) const;
	int compile_general_output(const config::Rule &rule, const config::Output &o,
				   const NeighbourLookup &neighbours, CompiledOutput &c,
				   packet::GeneralRewrite &g, std::string *error) const;

	std::vector<EnginePort> ports_;
	std::unique_ptr<std::atomic<uint16_t>[]> ethdev_;
	const Pools *pools_ = nullptr;
	rte_mempool *clone_pool_ = nullptr;
	rte_mempool *header_pool_ = nullptr;
	RuleTable rules_;
	std::vector<rte_ring *> handoff_;
	EngineParams params_;
	uint16_t n_workers_ = 0;
};

} // namespace mcr::engine
