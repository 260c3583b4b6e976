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

// The configuration refuses what the window cannot hold with a file and a
// line: its limits must be the engine's.
static_assert(config::limits::sequence_window.max == max_sequence_window);
static_assert(config::limits::sequence_resync_16bit == SequenceWindow::resync_distance(16));
static_assert(config::max_rule_inputs == max_stream_inputs);

// Header mbufs hold Ethernet + VLAN + IPv4 + UDP only.
constexpr uint16_t header_data_size = 64;

// Packets in flight to a stream's owner worker: a few bursts. A packet of
// a merged rule that finds the ring full is dropped (handoff-full).
constexpr unsigned handoff_ring_size = 2048;

// The DSCP is the TOS byte's upper six bits; the lower two are ECN
// (RFC 2474, RFC 3168), which a relay passes on.
constexpr unsigned dscp_shift = 2;
constexpr uint8_t dscp_bits = 0xfc;

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

namespace {

// What compile() cannot build yet (issue 14's engine part), or nullptr.
const char *unsupported_by_engine(const config::Rule &rule)
{
	for (const config::Match *m : rule.inputs()) {
		if (m->is_ipv6() || (m->src && m->src->is_ipv6()))
			return "IPv6 rules are not supported by the engine yet";
		if (m->is_range())
			return "range rules are not supported by the engine yet";
	}
	for (const config::Output &o : rule.outputs) {
		if (o.is_ipv6(rule.match) || (o.src.kind == config::OutputSource::Kind::address &&
					      config::is_ipv6(o.src.address)))
			return "IPv6 rules are not supported by the engine yet";
		if (o.dst && !o.dst->is_host())
			return "range rules are not supported by the engine yet";
	}
	return nullptr;
}

} // namespace

RuleKey Engine::key_of(const config::Match &match, uint16_t port_index)
{
	RuleKey key{};
	// compile() refuses IPv6 and range inputs: an IPv4 exact match here.
	key.dst_ip = rte_cpu_to_be_32(match.dst.ipv4_host().value_or(0));
	key.src_ip = match.src ? rte_cpu_to_be_32(match.src->ipv4_host().value_or(0)) : 0;
	key.dst_port = rte_cpu_to_be_16(match.dport.first);
	key.vlan = match.vlan;
	key.port_index = port_index;
	return key;
}

CompiledRule *Engine::compile(const config::Rule &rule, const NeighbourLookup &neighbours,
			      std::string *error, Stream *previous) const
{
	const std::vector<const config::Match *> inputs = rule.inputs();
	if (inputs.size() > max_stream_inputs) {
		*error = fmt::format("rule '{}': more than {} inputs", rule.name, max_stream_inputs);
		return nullptr;
	}
	if (const char *unsupported = unsupported_by_engine(rule)) {
		*error = fmt::format("rule '{}': {}", rule.name, unsupported);
		return nullptr;
	}
	RuleKey keys[max_stream_inputs];
	for (size_t i = 0; i < inputs.size(); i++) {
		const int in_port = port_index(inputs[i]->port);
		if (in_port < 0) {
			*error = fmt::format("rule '{}': unknown port '{}'", rule.name, inputs[i]->port);
			return nullptr;
		}
		keys[i] = key_of(*inputs[i], static_cast<uint16_t>(in_port));
		for (size_t j = 0; j < i; j++)
			if (std::memcmp(&keys[j], &keys[i], sizeof(keys[i])) == 0) {
				*error = fmt::format("rule '{}': inputs {} and {} are the same", rule.name,
						     j, i);
				return nullptr;
			}
	}
	if (inputs.size() > 1 && !rule.merge) {
		*error = fmt::format("rule '{}': several inputs without `merge:`", rule.name);
		return nullptr;
	}
	const std::optional<config::Sequence> &sequence = rule.sequence();
	// The config refuses these with their file and line; a rule that comes
	// another way (tests, a future API) is refused here.
	if (sequence) {
		const unsigned size = sequence->field.size;
		const uint32_t window = sequence->window;
		if (size != 2 && size != 4 && size != 8) {
			*error = fmt::format("rule '{}': sequence numbers of {} bytes: 2, 4 or 8", rule.name,
					     size);
			return nullptr;
		}
		if (!std::has_single_bit(window) || window < 2 || window > max_sequence_window ||
		    window >= SequenceWindow::resync_distance(size * 8)) {
			*error = fmt::format("rule '{}': a window of {} for {}-byte numbers is not a "
					     "power of two from 2 to {} below the resync distance",
					     rule.name, window, size, max_sequence_window);
			return nullptr;
		}
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
		// What an output keeps of the received packet must be one thing.
		const bool dsts_differ = std::any_of(inputs.begin(), inputs.end(), [&](const config::Match *m) {
			return m->dst != rule.match.dst;
		});
		const bool dports_differ = std::any_of(inputs.begin(), inputs.end(), [&](const config::Match *m) {
			return m->dport != rule.match.dport;
		});
		if ((!o.dst && dsts_differ) || (!o.dport && dports_differ)) {
			*error = fmt::format("rule '{}': an output to port '{}' needs `{}:`: the rule's "
					     "inputs differ in it", rule.name, o.port,
					     !o.dst && dsts_differ ? "dst" : "dport");
			return nullptr;
		}
		const config::Ipv4 dst = o.destination(rule.match).ipv4_host().value_or(0);
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
			c.rewrite.src_ip = rte_cpu_to_be_32(std::get<config::Ipv4>(o.src.address));
			break;
		case config::OutputSource::Kind::keep:
			c.rewrite.keep_src = true;
			break;
		}
		if (o.dscp) {
			c.rewrite.tos_clear = dscp_bits;
			c.rewrite.tos_set = static_cast<uint8_t>(*o.dscp << dscp_shift);
		}
		c.rewrite.dst_ip = o.dst ? rte_cpu_to_be_32(dst) : 0;
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
	Stream *stream = nullptr;
	if (sequence) {
		const Stream::Mode mode = rule.merge ? Stream::Mode::merge : Stream::Mode::monitor;
		if (previous != nullptr && previous->same(mode, sequence->field, sequence->window)) {
			stream = previous;
			stream->hold();
		} else {
			// Streams spread over the workers by name: the owner sees
			// the stream's packets, whichever worker receives them.
			const auto owner = static_cast<uint16_t>(
				n_workers_ > 1 ? std::hash<std::string>{}(rule.name) % n_workers_ : 0);
			stream = Stream::create(mode, sequence->field, sequence->window, owner);
		}
	}
	return CompiledRule::create(rule.name, keys, static_cast<unsigned>(inputs.size()), outs.data(),
				    static_cast<uint16_t>(outs.size()), n_workers_, stream);
}

} // namespace mcr::engine
