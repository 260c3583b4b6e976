#include "stats_snapshot.h"

#include <rte_mempool.h>

#include <chrono>
#include <mutex>

#include "packet/drop_reason.h"
#include "runtime.h"

namespace mcr::app {

namespace {

void collect_ports(const Runtime &rt, StatsSnapshot &s)
{
	// A port closes and opens again under it when its interface is re-created.
	std::lock_guard lock(rt.control_mutex());
	for (size_t i = 0; i < rt.ports().size(); i++) {
		const drivers::Port &port = *rt.ports()[i];
		PortStats p;
		p.name = port.name();
		p.totals = rt.port_totals(i);
		p.up = port.is_open();
		p.down_count = port.down_count();
		p.reopen_count = port.reopen_count();
		// A map lookup per CPU in the kernel: this thread's time, not a worker's.
		if (auto verdicts = port.xdp().counters())
			p.xdp_verdicts = std::move(*verdicts);
		s.ports.push_back(std::move(p));
	}
}

void collect_workers(const Runtime &rt, StatsSnapshot &s)
{
	for (const auto &w : rt.workers()) {
		WorkerStats ws;
		ws.index = w->index;
		ws.polls = w->counters.polls.get();
		ws.busy_polls = w->counters.busy_polls.get();
		ws.idle_sleeps = w->counters.idle_sleeps.get();
		for (size_t p = 0; p < rt.ports().size(); p++)
			ws.rx_packets.push_back(w->ports[p].rx_packets.get());
		for (size_t r = 1; r < packet::drop_reason_count; r++)
			ws.drops.push_back(w->counters.drops[r].get());
		s.workers.push_back(std::move(ws));
	}
}

// Under the control mutex: rules are published, replaced and retired
// under it, so every compiled rule found here stays alive until we let go.
// Only counters are copied while it is held; names and outputs come from
// the config, which changes under the same mutex.
void collect_rules(const Runtime &rt, size_t rule_limit, StatsSnapshot &s)
{
	std::lock_guard lock(rt.control_mutex());
	const engine::Engine &eng = rt.engine();
	const auto &rules = rt.config().rules;
	s.rules_total = rules.size();
	s.rules.reserve(std::min(rule_limit, rules.size()));
	for (const config::Rule &rule : rules) {
		if (s.rules.size() >= rule_limit)
			break;
		const int port = eng.port_index(rule.match.port);
		const engine::CompiledRule *cr =
			port < 0 ? nullptr
				 : eng.rules().find(engine::Engine::key_of(rule.match,
									   static_cast<uint16_t>(port)));
		RuleStats r;
		r.name = rule.name;
		const RuleTotals t = cr != nullptr ? rt.rule_totals(*cr) : RuleTotals{};
		r.packets = t.packets;
		r.bytes = t.bytes;
		for (size_t o = 0; o < rule.outputs.size(); o++)
			r.outputs.push_back({rule.outputs[o].port,
					     o < t.outputs.size() ? t.outputs[o] : OutputTotals{}});
		s.rules.push_back(std::move(r));
	}
}

void collect_pools(const Runtime &rt, StatsSnapshot &s)
{
	for (const engine::SizeClass &sc : rt.pools().classes())
		s.pools.push_back({sc.name, "size_class", sc.pool->size, rte_mempool_in_use_count(sc.pool)});
	const engine::Engine &eng = rt.engine();
	if (eng.clone_pool() != nullptr)
		s.pools.push_back({"clone", "clone", eng.clone_pool()->size,
				   rte_mempool_in_use_count(eng.clone_pool())});
	if (eng.header_pool() != nullptr)
		s.pools.push_back({"header", "header", eng.header_pool()->size,
				   rte_mempool_in_use_count(eng.header_pool())});
}

} // namespace

StatsSnapshot collect_stats(const Runtime &rt, size_t rule_limit)
{
	const auto started = std::chrono::steady_clock::now();
	StatsSnapshot s;
	for (size_t r = 1; r < packet::drop_reason_count; r++)
		s.drop_reasons.emplace_back(packet::drop_reason_name(static_cast<packet::DropReason>(r)));
	collect_ports(rt, s);
	collect_workers(rt, s);
	collect_rules(rt, rule_limit, s);
	collect_pools(rt, s);
	s.reloads = rt.reload_stats();
	s.collect_seconds =
		std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
	return s;
}

} // namespace mcr::app
