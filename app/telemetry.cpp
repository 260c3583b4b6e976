#include "telemetry.h"

#include <rte_mempool.h>
#include <rte_telemetry.h>

#include <atomic>
#include <mutex>
#include <string>

#include "config/address.h"
#include "config/validate.h"
#include "packet/drop_reason.h"
#include "runtime.h"

namespace mcr::app {

namespace {

// Telemetry callbacks run on DPDK's telemetry thread; the mutex only keeps
// shutdown from pulling the runtime away mid-answer (never on a worker).
std::mutex runtime_mutex;
Runtime *current = nullptr;

// DPDK 22.11 telemetry accepts only [A-Za-z0-9_/] in names and silently
// drops an entry with any other character; mcr names may hold '-'. The
// exact name is given as a "name" value where it matters.
std::string telemetry_key(std::string name)
{
	for (char &c : name)
		if (c == '-')
			c = '_';
	return name;
}

int ports_cb(const char *, const char *, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	// A port closes and reopens under it when its interface is re-created.
	std::lock_guard port_lock(current->control_mutex());
	rte_tel_data_start_dict(d);
	for (size_t i = 0; i < current->ports().size(); i++) {
		const drivers::Port &port = *current->ports()[i];
		const PortTotals t = current->port_totals(i);
		rte_tel_data *p = rte_tel_data_alloc();
		rte_tel_data_start_dict(p);
		rte_tel_data_add_dict_string(p, "iface", port.iface().name.c_str());
		rte_tel_data_add_dict_string(p, "driver", drivers::backend_name(port.backend()));
		rte_tel_data_add_dict_int(p, "ethdev", port.id());
		rte_tel_data_add_dict_int(p, "queues", port.queue_pairs());
		rte_tel_data_add_dict_u64(p, "rx_packets", t.rx_packets);
		rte_tel_data_add_dict_u64(p, "rx_bytes", t.rx_bytes);
		rte_tel_data_add_dict_u64(p, "tx_packets", t.tx_packets);
		rte_tel_data_add_dict_u64(p, "tx_bytes", t.tx_bytes);
		rte_tel_data_add_dict_u64(p, "tx_dropped", t.tx_dropped);
		rte_tel_data_add_dict_string(p, "name", port.name().c_str());
		rte_tel_data_add_dict_string(p, "state", port.is_open() ? "up" : "down");
		rte_tel_data_add_dict_u64(p, "down_count", port.down_count());
		rte_tel_data_add_dict_u64(p, "reopen_count", port.reopen_count());
		rte_tel_data_add_dict_container(d, telemetry_key(port.name()).c_str(), p, 0);
	}
	return 0;
}

int pools_cb(const char *, const char *, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	rte_tel_data_start_dict(d);
	for (const engine::SizeClass &sc : current->pools().classes()) {
		rte_tel_data *p = rte_tel_data_alloc();
		rte_tel_data_start_dict(p);
		rte_tel_data_add_dict_u64(p, "data_size", sc.data_size);
		rte_tel_data_add_dict_u64(p, "count", sc.count);
		rte_tel_data_add_dict_u64(p, "in_use", rte_mempool_in_use_count(sc.pool));
		rte_tel_data_add_dict_u64(p, "free", rte_mempool_avail_count(sc.pool));
		rte_tel_data_add_dict_container(d, telemetry_key(sc.name).c_str(), p, 0);
	}
	return 0;
}

int workers_cb(const char *, const char *, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	// 22.11 arrays hold only scalar arrays, so workers are keyed by name.
	rte_tel_data_start_dict(d);
	for (const auto &w : current->workers()) {
		rte_tel_data *p = rte_tel_data_alloc();
		rte_tel_data_start_dict(p);
		rte_tel_data_add_dict_int(p, "lcore", static_cast<int>(w->lcore));
		rte_tel_data_add_dict_int(p, "rx_queues", static_cast<int>(w->rx.size()));
		rte_tel_data_add_dict_u64(p, "polls", w->counters.polls.get());
		rte_tel_data_add_dict_u64(p, "busy_polls", w->counters.busy_polls.get());
		rte_tel_data_add_dict_u64(p, "idle_sleeps", w->counters.idle_sleeps.get());
		rte_tel_data_add_dict_u64(p, "reassembled", w->counters.reassembled.get());
		rte_tel_data_add_dict_u64(p, "fragmented", w->counters.fragmented.get());
		rte_tel_data_add_dict_u64(p, "fragments_out", w->counters.fragments_out.get());
		uint64_t rx = 0, tx = 0;
		for (size_t i = 0; i < current->ports().size(); i++) {
			rx += w->ports[i].rx_packets.get();
			tx += w->ports[i].tx_packets.get();
		}
		rte_tel_data_add_dict_u64(p, "rx_packets", rx);
		rte_tel_data_add_dict_u64(p, "tx_packets", tx);
		for (size_t i = 0; i < current->ports().size(); i++) {
			const std::string key = "rx_packets_" + current->ports()[i]->name();
			rte_tel_data_add_dict_u64(p, telemetry_key(key).c_str(),
						  w->ports[i].rx_packets.get());
		}
		const std::string key = "worker" + std::to_string(w->index);
		rte_tel_data_add_dict_container(d, key.c_str(), p, 0);
	}
	return 0;
}

int rules_cb(const char *, const char *, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	std::lock_guard rules_lock(current->control_mutex()); // rules change under us otherwise
	rte_tel_data_start_dict(d);
	const engine::Engine &eng = current->engine();
	for (const config::Rule &rule : current->config().rules) {
		const int port = eng.port_index(rule.match.port);
		const engine::CompiledRule *cr =
			port < 0 ? nullptr
				 : eng.rules().find(engine::Engine::key_of(rule.match,
									   static_cast<uint16_t>(port)));
		if (cr == nullptr)
			continue;
		const RuleTotals t = current->rule_totals(*cr);
		rte_tel_data *r = rte_tel_data_alloc();
		rte_tel_data_start_dict(r);
		rte_tel_data_add_dict_string(r, "name", rule.name.c_str());
		rte_tel_data_add_dict_u64(r, "packets", t.packets);
		rte_tel_data_add_dict_u64(r, "bytes", t.bytes);
		// 22.11 encodes only one level of containers under the root, so
		// outputs are flattened into the rule: output<N>_<field>.
		for (size_t o = 0; o < rule.outputs.size(); o++) {
			const config::Output &out = rule.outputs[o];
			const std::string k = "output" + std::to_string(o) + "_";
			rte_tel_data_add_dict_string(r, (k + "port").c_str(), out.port.c_str());
			rte_tel_data_add_dict_string(
				r, (k + "dst").c_str(),
				config::format_ipv4(out.dst.value_or(rule.match.dst)).c_str());
			rte_tel_data_add_dict_int(r, (k + "dport").c_str(),
						  out.dport.value_or(rule.match.dport));
			rte_tel_data_add_dict_string(
				r, (k + "src").c_str(),
				config::describe_source(out.src, eng.port_ipv4(out.port)).c_str());
			rte_tel_data_add_dict_string(
				r, (k + "dscp").c_str(),
				out.dscp ? std::to_string(*out.dscp).c_str() : "keep");
			rte_tel_data_add_dict_u64(r, (k + "packets").c_str(), t.outputs[o].packets);
			rte_tel_data_add_dict_u64(r, (k + "bytes").c_str(), t.outputs[o].bytes);
			rte_tel_data_add_dict_u64(r, (k + "drops").c_str(), t.outputs[o].drops);
		}
		rte_tel_data_add_dict_container(d, telemetry_key(rule.name).c_str(), r, 0);
	}
	return 0;
}

int drops_cb(const char *, const char *, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	rte_tel_data_start_dict(d);
	for (size_t r = 1; r < packet::drop_reason_count; r++)
		rte_tel_data_add_dict_u64(
			d, telemetry_key(packet::drop_reason_name(static_cast<packet::DropReason>(r))).c_str(),
			current->drop_total(r));
	return 0;
}

int xdp_cb(const char *, const char *, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
	std::lock_guard port_lock(current->control_mutex()); // see ports_cb
	rte_tel_data_start_dict(d);
	for (const auto &port : current->ports()) {
		const drivers::PortXdp &x = port->xdp();
		rte_tel_data *p = rte_tel_data_alloc();
		rte_tel_data_start_dict(p);
		rte_tel_data_add_dict_string(p, "name", port->name().c_str());
		rte_tel_data_add_dict_int(p, "loaded", x.loaded() ? 1 : 0);
		rte_tel_data_add_dict_u64(p, "program_id", x.program_id());
		rte_tel_data_add_dict_string(p, "mode", x.loaded() ? x.mode().c_str() : "none");
		// af_xdp: sockets on RX queues 0..sockets-1; no_socket counts the rest.
		rte_tel_data_add_dict_int(p, "sockets", port->backend() == drivers::Backend::af_xdp
								? port->queue_pairs() : 0);
		if (const auto counters = x.counters())
			for (const auto &[name, value] : *counters)
				rte_tel_data_add_dict_u64(p, telemetry_key(name).c_str(), value);
		rte_tel_data_add_dict_container(d, telemetry_key(port->name()).c_str(), p, 0);
	}
	return 0;
}

} // namespace

void register_telemetry(Runtime *rt)
{
	{
		std::lock_guard lock(runtime_mutex);
		current = rt;
	}
	static std::once_flag once;
	std::call_once(once, [] {
		rte_telemetry_register_cmd("/mcr/ports", ports_cb,
					   "mcr ports: driver, queues, RX/TX counters. No parameters");
		rte_telemetry_register_cmd("/mcr/pools", pools_cb,
					   "mcr size classes: count, in use, free. No parameters");
		rte_telemetry_register_cmd("/mcr/rules", rules_cb,
					   "mcr rules: packets, bytes and per-output port, dst, dport, src, dscp, "
					   "packets, bytes, drops. No parameters");
		rte_telemetry_register_cmd("/mcr/drops", drops_cb,
					   "mcr dropped packets by reason. No parameters");
		rte_telemetry_register_cmd("/mcr/xdp", xdp_cb,
					   "mcr's XDP program per port: id, mode, per-verdict counters "
					   "summed over CPUs. No parameters");
		rte_telemetry_register_cmd("/mcr/workers", workers_cb,
					   "mcr worker lcores: queues, polls. No parameters");
	});
}

void unregister_telemetry()
{
	std::lock_guard lock(runtime_mutex);
	current = nullptr;
}

} // namespace mcr::app
