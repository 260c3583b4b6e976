#include "config/compare.h"

#include <fmt/format.h>

namespace mcr::config {

namespace {

bool same_port(const Port &a, const Port &b)
{
	return a.name == b.name && a.iface == b.iface && a.driver == b.driver &&
	       a.queues == b.queues && a.address == b.address &&
	       a.address6 == b.address6 &&
	       a.af_xdp.zero_copy == b.af_xdp.zero_copy &&
	       a.af_xdp.busy_budget == b.af_xdp.busy_budget &&
	       a.af_xdp.set_channels == b.af_xdp.set_channels &&
	       a.af_packet.block_size == b.af_packet.block_size &&
	       a.af_packet.frame_size == b.af_packet.frame_size &&
	       a.af_packet.frame_count == b.af_packet.frame_count &&
	       a.af_packet.qdisc_bypass == b.af_packet.qdisc_bypass && a.xdp.mode == b.xdp.mode &&
	       a.xdp.filter == b.xdp.filter && a.udp_checksum == b.udp_checksum;
}

bool same_output(const Output &a, const Output &b)
{
	return a.port == b.port && a.dst == b.dst && a.dport == b.dport && a.ttl == b.ttl &&
	       a.vlan == b.vlan && a.mac == b.mac && a.src == b.src && a.dscp == b.dscp;
}

} // namespace

bool same_match(const Match &a, const Match &b)
{
	return a.port == b.port && a.dst == b.dst && a.dport == b.dport && a.src == b.src &&
	       a.vlan == b.vlan && a.join == b.join;
}

bool same_rule(const Rule &a, const Rule &b)
{
	if (a.name != b.name || !same_match(a.match, b.match) || a.outputs.size() != b.outputs.size())
		return false;
	if (a.more_inputs.size() != b.more_inputs.size() || a.merge != b.merge ||
	    a.monitor != b.monitor)
		return false;
	for (size_t i = 0; i < a.more_inputs.size(); i++)
		if (!same_match(a.more_inputs[i], b.more_inputs[i]))
			return false;
	for (size_t i = 0; i < a.outputs.size(); i++)
		if (!same_output(a.outputs[i], b.outputs[i]))
			return false;
	return true;
}

std::vector<std::string> restart_changes(const Config &running, const Config &next)
{
	std::vector<std::string> changes;
	for (const Port &p : running.ports) {
		const Port *q = next.find_port(p.name);
		if (q == nullptr)
			changes.push_back(fmt::format("port '{}' removed", p.name));
		else if (!same_port(p, *q))
			changes.push_back(fmt::format("port '{}' changed", p.name));
	}
	for (const Port &q : next.ports)
		if (running.find_port(q.name) == nullptr)
			changes.push_back(fmt::format("port '{}' added", q.name));

	const Workers &a = running.workers, &b = next.workers;
	if (a.lcores != b.lcores || a.burst != b.burst || a.copy_threshold != b.copy_threshold ||
	    a.tx_drain_us != b.tx_drain_us || a.idle_sleep_us != b.idle_sleep_us ||
	    a.reassembly_flows != b.reassembly_flows ||
	    a.reassembly_timeout_ms != b.reassembly_timeout_ms)
		changes.push_back("workers changed");

	bool pools_differ = running.pools.size() != next.pools.size();
	for (size_t i = 0; !pools_differ && i < running.pools.size(); i++)
		pools_differ = running.pools[i].name != next.pools[i].name ||
			       running.pools[i].data_size != next.pools[i].data_size ||
			       running.pools[i].count != next.pools[i].count;
	if (pools_differ)
		changes.push_back("pools changed");

	// The endpoint is bound once, before privileges are dropped.
	const Metrics &m = running.metrics, &n = next.metrics;
	if (m.address != n.address || m.port != n.port || m.max_rules != n.max_rules)
		changes.push_back("metrics changed");
	return changes;
}

} // namespace mcr::config
