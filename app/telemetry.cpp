#include "telemetry.h"

#include <rte_mempool.h>
#include <rte_telemetry.h>

#include <atomic>
#include <mutex>
#include <string>

#include "runtime.h"

namespace mcr::app {

namespace {

// Telemetry callbacks run on DPDK's telemetry thread; the mutex only keeps
// shutdown from pulling the runtime away mid-answer (never on a worker).
std::mutex runtime_mutex;
Runtime *current = nullptr;

int ports_cb(const char *, const char *, rte_tel_data *d)
{
	std::lock_guard lock(runtime_mutex);
	if (current == nullptr)
		return -ENODEV;
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
		rte_tel_data_add_dict_container(d, port.name().c_str(), p, 0);
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
		rte_tel_data_add_dict_container(d, sc.name.c_str(), p, 0);
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
		const std::string key = "worker" + std::to_string(w->index);
		rte_tel_data_add_dict_container(d, key.c_str(), p, 0);
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
