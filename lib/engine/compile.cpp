// Engine::compile: a configuration rule into what the workers run. An
// IPv4 exact rule whose outputs are IPv4 with their destination kept or
// set compiles to OutputRewrite (the IPv4 relay's precomputed sums);
// everything else (IPv6, a change of family, a range input, a mapped
// destination) to GeneralRewrite, one per output.
#include <rte_byteorder.h>

#include <algorithm>
#include <bit>
#include <functional>

#include <fmt/format.h>

#include "config/address.h"
#include "config/bounds.h"
#include "engine/engine.h"

namespace mcr::engine {

namespace {

// The configuration refuses what the window cannot hold with a file and a
// line: its limits must be the engine's.
static_assert(config::limits::sequence_window.max == max_sequence_window);
static_assert(config::limits::sequence_resync_16bit == SequenceWindow::resync_distance(16));
static_assert(config::max_rule_inputs == max_stream_inputs);

// The DSCP is the TOS byte's upper six bits; the lower two are ECN
// (RFC 2474, RFC 3168), which a relay passes on. IPv6's traffic class is
// the same byte (RFC 8200 7).
constexpr unsigned dscp_shift = 2;
constexpr uint8_t dscp_bits = 0xfc;

// An output the IPv4 relay's precomputed rewrite can carry.
bool ipv4_simple_output(const config::Match &input, const config::Output &o)
{
	const bool ipv6_source =
		o.src.kind == config::OutputSource::Kind::address && config::is_ipv6(o.src.address);
	return !o.is_ipv6(input) && !ipv6_source && (!o.dst || o.dst->is_host());
}

// Whether an address has bits set past its prefix length (the config
// refuses such prefixes; two of them would name one range entry).
bool bits_past(const Address16 &a, unsigned length, bool ipv6)
{
	const unsigned first = ipv6 ? 0 : 96; // IPv4 is the last 32 bits
	for (unsigned bit = first + length; bit < 128; bit++)
		if (a[bit / 8] & (0x80 >> (bit % 8)))
			return true;
	return false;
}

} // namespace

Address16 address16_of(const config::IpAddress &address)
{
	if (const auto *v4 = std::get_if<config::Ipv4>(&address))
		return packet::address16_from_ipv4(rte_cpu_to_be_32(*v4));
	return std::get<config::Ipv6>(address);
}

InputKey Engine::key_of(const config::Match &match, uint16_t port_index)
{
	InputKey key;
	key.ipv6 = match.is_ipv6();
	key.dst = address16_of(match.dst.address);
	key.dst_len = match.dst.length;
	if (match.src) {
		key.src = address16_of(match.src->address);
		key.src_len = match.src->length;
	}
	key.dport_first = match.dport.first;
	key.dport_last = match.dport.last;
	key.vlan = match.vlan;
	key.port_index = port_index;
	return key;
}

// One output of the IPv4 relay (rewrite.h). dst: where it sends.
int Engine::compile_ipv4_output(const config::Output &o, const config::Ipv4 dst,
				const NeighbourLookup &neighbours, CompiledOutput &c) const
{
	const EnginePort &port = ports_[c.port_index];
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
		const auto mac = neighbours ? neighbours(port, config::IpAddress{dst}) : std::nullopt;
		if (mac)
			c.rewrite.dst_mac = *mac;
		else
			c.no_neighbour = true;
	}
	c.header_len = packet::output_header_len(c.rewrite);
	return 0;
}

// One output in the general form (rewrite_general.h).
int Engine::compile_general_output(const config::Rule &rule, const config::Output &o,
				   const NeighbourLookup &neighbours, CompiledOutput &c,
				   packet::GeneralRewrite &g, std::string *error) const
{
	const EnginePort &port = ports_[c.port_index];
	const config::Match &input = rule.match;
	g = {};
	g.ipv6 = o.is_ipv6(input);
	g.src_mac = port.mac;
	g.vlan = o.vlan.value_or(0);
	g.dst_port = o.dport ? rte_cpu_to_be_16(*o.dport) : 0;
	g.ttl = o.ttl.value_or(0);
	if (o.dscp) {
		g.tos_clear = dscp_bits;
		g.tos_set = static_cast<uint8_t>(*o.dscp << dscp_shift);
	}
	switch (o.src.kind) {
	case config::OutputSource::Kind::port:
		g.src = g.ipv6 ? port.ipv6 : packet::address16_from_ipv4(rte_cpu_to_be_32(port.ipv4));
		break;
	case config::OutputSource::Kind::address:
		if (config::is_ipv6(o.src.address) != g.ipv6) {
			*error = fmt::format("rule '{}': output to port '{}': source {} is not of the "
					     "output's family", rule.name, o.port,
					     config::format_ip_address(o.src.address));
			return -EINVAL;
		}
		g.src = address16_of(o.src.address);
		break;
	case config::OutputSource::Kind::keep:
		if (input.is_ipv6() != g.ipv6) {
			*error = fmt::format("rule '{}': output to port '{}' keeps the source of "
					     "another family", rule.name, o.port);
			return -EINVAL;
		}
		g.keep_src = true;
		break;
	}

	// An exact input's destination kept is that one address.
	const std::optional<config::Prefix> dst =
		o.dst ? o.dst : input.dst.is_host() ? std::optional(input.dst) : std::nullopt;
	if (!dst) {
		if (input.is_ipv6() != g.ipv6) {
			*error = fmt::format("rule '{}': output to port '{}' of the other family "
					     "needs `dst:`", rule.name, o.port);
			return -EINVAL;
		}
		g.dst_mode = packet::GeneralRewrite::Dst::keep;
		g.mac_from_group = !o.mac;
		if (!o.mac && !config::is_multicast_prefix(input.dst)) {
			*error = fmt::format("rule '{}': output to port '{}' keeps destinations that "
					     "are not all groups: give it `mac:`", rule.name, o.port);
			return -EINVAL;
		}
	} else if (dst->is_host()) {
		g.dst_mode = packet::GeneralRewrite::Dst::set;
		g.dst = address16_of(dst->address);
		if (!o.mac && config::is_multicast_prefix(*dst)) {
			g.dst_mac = g.ipv6 ? packet::multicast_mac6(g.dst.data())
					   : packet::multicast_mac(packet::ipv4_of(g.dst));
		} else if (!o.mac) {
			const auto mac = neighbours ? neighbours(port, dst->address) : std::nullopt;
			if (mac)
				g.dst_mac = *mac;
			else
				c.no_neighbour = true;
		}
	} else {
		for (const config::Match *m : rule.inputs())
			if (m->dst.host_bits() != dst->host_bits()) {
				*error = fmt::format("rule '{}': output to port '{}': {} maps {} host bits, "
						     "the input's {} has {}", rule.name, o.port,
						     config::format_prefix(*dst), dst->host_bits(),
						     config::format_prefix(m->dst), m->dst.host_bits());
				return -EINVAL;
			}
		g.dst_mode = packet::GeneralRewrite::Dst::map;
		g.dst = address16_of(dst->address);
		g.map_bits = static_cast<uint8_t>(dst->host_bits());
		g.mac_from_group = !o.mac;
		if (!o.mac && !config::is_multicast_prefix(*dst)) {
			*error = fmt::format("rule '{}': output to port '{}' maps onto {}, not all "
					     "groups: give it `mac:`", rule.name, o.port,
					     config::format_prefix(*dst));
			return -EINVAL;
		}
	}
	if (o.mac)
		std::copy(o.mac->begin(), o.mac->end(), g.dst_mac.addr_bytes);
	c.header_len = packet::general_header_len(g);
	return 0;
}

CompiledRule *Engine::compile(const config::Rule &rule, const NeighbourLookup &neighbours,
			      std::string *error, Stream *previous) const
{
	const std::vector<const config::Match *> inputs = rule.inputs();
	if (inputs.size() > max_stream_inputs) {
		*error = fmt::format("rule '{}': more than {} inputs", rule.name, max_stream_inputs);
		return nullptr;
	}
	InputKey keys[max_stream_inputs];
	bool general = false;
	for (size_t i = 0; i < inputs.size(); i++) {
		const int in_port = port_index(inputs[i]->port);
		if (in_port < 0) {
			*error = fmt::format("rule '{}': unknown port '{}'", rule.name, inputs[i]->port);
			return nullptr;
		}
		keys[i] = key_of(*inputs[i], static_cast<uint16_t>(in_port));
		const InputKey &k = keys[i];
		if (bits_past(k.dst, k.dst_len, k.ipv6) || bits_past(k.src, k.src_len, k.ipv6) ||
		    k.dport_first > k.dport_last) {
			*error = fmt::format("rule '{}': input {} has bits set past a prefix or a reversed "
					     "port range", rule.name, i);
			return nullptr;
		}
		general |= keys[i].ipv6 || !keys[i].exact();
		for (size_t j = 0; j < i; j++)
			if (keys[j] == keys[i]) {
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
	for (const config::Output &o : rule.outputs)
		general |= !ipv4_simple_output(rule.match, o);

	std::vector<CompiledOutput> outs;
	std::vector<packet::GeneralRewrite> generals;
	for (const config::Output &o : rule.outputs) {
		const int out_port = port_index(o.port);
		if (out_port < 0) {
			*error = fmt::format("rule '{}': unknown port '{}'", rule.name, o.port);
			return nullptr;
		}
		const EnginePort &port = ports_[out_port];
		const bool out_ipv6 = o.is_ipv6(rule.match);
		const bool no_source = out_ipv6 ? port.ipv6 == Address16{} : port.ipv4 == 0;
		if (no_source && o.src.kind == config::OutputSource::Kind::port) {
			*error = fmt::format("rule '{}': port '{}' ({}) has no {} address to send "
					     "from; give it `address:`, or the output `src:`",
					     rule.name, port.name, port.iface, out_ipv6 ? "IPv6" : "IPv4");
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
		CompiledOutput c{};
		c.port_index = static_cast<uint16_t>(out_port);
		c.chains = port.multi_seg_tx;
		c.mtu = port.mtu;
		if (general) {
			packet::GeneralRewrite g;
			if (compile_general_output(rule, o, neighbours, c, g, error) < 0)
				return nullptr;
			generals.push_back(g);
		} else {
			const config::Ipv4 dst = o.dst ? std::get<config::Ipv4>(o.dst->address)
						       : std::get<config::Ipv4>(rule.match.dst.address);
			compile_ipv4_output(o, dst, neighbours, c);
		}
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
				    general ? generals.data() : nullptr, static_cast<uint16_t>(outs.size()),
				    n_workers_, stream);
}

} // namespace mcr::engine
