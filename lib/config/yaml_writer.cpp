#include "config/yaml_writer.h"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

#include "config/address.h"
#include "config/sequence.h"

namespace mcr::config {

namespace {

const char *driver_name(Driver d)
{
	switch (d) {
	case Driver::af_xdp:
		return "af_xdp";
	case Driver::af_packet:
		return "af_packet";
	case Driver::automatic:
		break;
	}
	return "auto";
}

const char *zero_copy_name(ZeroCopy z)
{
	switch (z) {
	case ZeroCopy::on:
		return "true";
	case ZeroCopy::off:
		return "false";
	case ZeroCopy::automatic:
		break;
	}
	return "auto";
}

const char *xdp_mode_name(XdpMode m)
{
	switch (m) {
	case XdpMode::native:
		return "native";
	case XdpMode::generic:
		return "generic";
	case XdpMode::automatic:
		break;
	}
	return "auto";
}

// Numbers as plain scalars: yaml-cpp would write a uint8_t as a character.
template <typename T>
void field(YAML::Emitter &out, const char *key, T value)
{
	out << YAML::Key << key << YAML::Value << static_cast<uint64_t>(value);
}

void field(YAML::Emitter &out, const char *key, const std::string &value)
{
	out << YAML::Key << key << YAML::Value << value;
}

void field(YAML::Emitter &out, const char *key, const char *value)
{
	out << YAML::Key << key << YAML::Value << value;
}

void field(YAML::Emitter &out, const char *key, bool value)
{
	out << YAML::Key << key << YAML::Value << (value ? "true" : "false");
}

void write_port(YAML::Emitter &out, const Port &p)
{
	out << YAML::BeginMap;
	field(out, "name", p.name);
	field(out, "iface", p.iface);
	field(out, "driver", driver_name(p.driver));
	if (p.queues != 0) // 0: the driver's default, which has no spelling
		field(out, "queues", p.queues);
	if (p.address && p.address6) {
		out << YAML::Key << "address" << YAML::Value << YAML::Flow << YAML::BeginSeq
		    << format_ipv4(*p.address) << format_ipv6(*p.address6) << YAML::EndSeq;
	} else if (p.address) {
		field(out, "address", format_ipv4(*p.address));
	} else if (p.address6) {
		field(out, "address", format_ipv6(*p.address6));
	}
	out << YAML::Key << "af_xdp" << YAML::Value << YAML::Flow << YAML::BeginMap;
	field(out, "zero_copy", zero_copy_name(p.af_xdp.zero_copy));
	field(out, "busy_budget", p.af_xdp.busy_budget);
	field(out, "set_channels", p.af_xdp.set_channels);
	out << YAML::EndMap;
	out << YAML::Key << "af_packet" << YAML::Value << YAML::Flow << YAML::BeginMap;
	field(out, "block_size", p.af_packet.block_size);
	field(out, "frame_size", p.af_packet.frame_size);
	field(out, "frame_count", p.af_packet.frame_count);
	field(out, "qdisc_bypass", p.af_packet.qdisc_bypass);
	out << YAML::EndMap;
	out << YAML::Key << "xdp" << YAML::Value << YAML::Flow << YAML::BeginMap;
	field(out, "mode", xdp_mode_name(p.xdp.mode));
	field(out, "filter", p.xdp.filter == XdpFilter::strict ? "strict" : "normal");
	out << YAML::EndMap;
	field(out, "udp_checksum", p.udp_checksum == UdpChecksum::verify ? "verify" : "keep");
	out << YAML::EndMap;
}

void write_workers(YAML::Emitter &out, const Workers &w)
{
	out << YAML::Key << "workers" << YAML::Value << YAML::BeginMap;
	out << YAML::Key << "lcores" << YAML::Value << YAML::Flow << YAML::BeginSeq;
	for (unsigned lcore : w.lcores)
		out << lcore;
	out << YAML::EndSeq;
	field(out, "burst", w.burst);
	field(out, "copy_threshold", w.copy_threshold);
	field(out, "tx_drain_us", w.tx_drain_us);
	field(out, "idle_sleep_us", w.idle_sleep_us);
	field(out, "reassembly_flows", w.reassembly_flows);
	field(out, "reassembly_timeout_ms", w.reassembly_timeout_ms);
	out << YAML::EndMap;
}

void write_output(YAML::Emitter &out, const Output &o)
{
	out << YAML::Flow << YAML::BeginMap;
	field(out, "port", o.port);
	if (o.dst)
		field(out, "dst", format_host_or_prefix(*o.dst));
	if (o.dport)
		field(out, "dport", *o.dport);
	if (o.ttl)
		field(out, "ttl", *o.ttl);
	if (o.vlan)
		field(out, "vlan", *o.vlan);
	if (o.mac)
		field(out, "mac", format_mac(*o.mac));
	if (o.src.kind == OutputSource::Kind::keep)
		field(out, "src", "keep");
	else if (o.src.kind == OutputSource::Kind::address)
		field(out, "src", format_ip_address(o.src.address));
	if (o.dscp)
		field(out, "dscp", *o.dscp);
	out << YAML::EndMap;
}

void write_match(YAML::Emitter &out, const Match &m)
{
	out << YAML::Flow << YAML::BeginMap;
	field(out, "port", m.port);
	field(out, "dst", format_host_or_prefix(m.dst));
	if (m.dport.is_single())
		field(out, "dport", m.dport.first);
	else
		field(out, "dport", format_port_range(m.dport));
	if (m.src)
		field(out, "src", format_host_or_prefix(*m.src));
	if (m.vlan != 0)
		field(out, "vlan", m.vlan);
	if (!m.join.empty()) {
		out << YAML::Key << "join" << YAML::Value << YAML::Flow << YAML::BeginSeq;
		for (const IpAddress &group : m.join)
			out << format_ip_address(group);
		out << YAML::EndSeq;
	}
	out << YAML::EndMap;
}

// A preset by its name, any other field as a map.
void write_sequence(YAML::Emitter &out, const char *key, const Sequence &s)
{
	out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap;
	out << YAML::Key << "sequence" << YAML::Value;
	if (auto preset = sequence_preset_name(s.field)) {
		out << std::string(*preset);
	} else {
		out << YAML::Flow << YAML::BeginMap;
		field(out, "offset", s.field.offset);
		field(out, "size", s.field.size);
		field(out, "order", std::string(byte_order_name(s.field.big_endian)));
		out << YAML::EndMap;
	}
	field(out, "window", s.window);
	out << YAML::EndMap;
}

void write_rule(YAML::Emitter &out, const Rule &r)
{
	out << YAML::BeginMap;
	field(out, "name", r.name);
	if (r.more_inputs.empty()) {
		out << YAML::Key << "match" << YAML::Value;
		write_match(out, r.match);
	} else {
		out << YAML::Key << "inputs" << YAML::Value << YAML::BeginSeq;
		for (const Match *m : r.inputs())
			write_match(out, *m);
		out << YAML::EndSeq;
	}
	if (r.merge)
		write_sequence(out, "merge", *r.merge);
	if (r.monitor)
		write_sequence(out, "monitor", *r.monitor);
	out << YAML::Key << "outputs" << YAML::Value << YAML::BeginSeq;
	for (const Output &o : r.outputs)
		write_output(out, o);
	out << YAML::EndSeq;
	out << YAML::EndMap;
}

void write_metrics(YAML::Emitter &out, const Metrics &m)
{
	const bool v6 = m.address->find(':') != std::string::npos;
	out << YAML::Key << "metrics" << YAML::Value << YAML::BeginMap;
	field(out, "listen", v6 ? fmt::format("[{}]:{}", *m.address, m.port)
				: fmt::format("{}:{}", *m.address, m.port));
	field(out, "max_rules", m.max_rules);
	out << YAML::EndMap;
}

} // namespace

std::string to_yaml(const Config &cfg)
{
	YAML::Emitter out;
	out << YAML::BeginMap;
	out << YAML::Key << "ports" << YAML::Value << YAML::BeginSeq;
	for (const Port &p : cfg.ports)
		write_port(out, p);
	out << YAML::EndSeq;
	write_workers(out, cfg.workers);
	out << YAML::Key << "pools" << YAML::Value << YAML::BeginSeq;
	for (const Pool &p : cfg.pools) {
		out << YAML::Flow << YAML::BeginMap;
		field(out, "name", p.name);
		field(out, "data_size", p.data_size);
		field(out, "count", p.count);
		out << YAML::EndMap;
	}
	out << YAML::EndSeq;
	if (cfg.metrics.enabled())
		write_metrics(out, cfg.metrics);
	out << YAML::Key << "rules" << YAML::Value;
	if (cfg.rules.empty()) {
		out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
	} else {
		out << YAML::BeginSeq;
		for (const Rule &r : cfg.rules)
			write_rule(out, r);
		out << YAML::EndSeq;
	}
	out << YAML::EndMap;
	return std::string(out.c_str()) + "\n";
}

} // namespace mcr::config
