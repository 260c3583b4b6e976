#include "stats_snapshot.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "engine/compiled_rule.h"
#include "packet/drop_reason.h"
#include "runtime.h"

namespace mcr::app {

namespace {

// Per worker, per port, per reason, summed three ways at once: by port, by
// worker and in total.
void collect_drops(const Runtime &rt, StatsSnapshot &s, bool ports, bool workers)
{
	const size_t nports = rt.ports().size();
	const size_t nreasons = packet::drop_reason_count - 1;
	s.drops.assign(nreasons, 0);
	for (size_t w = 0; w < rt.workers().size(); w++) {
		const engine::Worker &worker = *rt.workers()[w];
		for (size_t p = 0; p < nports; p++)
			for (size_t r = 0; r < nreasons; r++) {
				const uint64_t n = worker.drops[p].reasons[r + 1].get();
				s.drops[r] += n;
				if (ports)
					s.ports[p].drops[r] += n;
				if (workers)
					s.workers[w].drops[r] += n;
			}
	}
}

void collect_ports(const Runtime &rt, StatsSnapshot &s)
{
	// A port closes and opens again under it when its interface is re-created.
	std::lock_guard lock(rt.control_mutex());
	for (size_t i = 0; i < rt.ports().size(); i++) {
		const drivers::Port &port = *rt.ports()[i];
		PortStats p;
		p.name = port.name();
		p.iface = port.iface().name;
		p.driver = drivers::backend_name(port.backend());
		p.ethdev = port.id();
		p.queues = port.queue_pairs();
		p.up = port.is_open();
		p.down_count = port.down_count();
		p.reopen_count = port.reopen_count();
		for (const auto &w : rt.workers()) {
			const engine::PortCounters &pc = w->ports[i];
			p.totals.rx_packets += pc.rx_packets.get();
			p.totals.rx_bytes += pc.rx_bytes.get();
			p.totals.tx_packets += pc.tx_packets.get();
			p.totals.tx_bytes += pc.tx_bytes.get();
			p.totals.tx_dropped += pc.tx_dropped.get();
		}
		p.drops.assign(packet::drop_reason_count - 1, 0);
		rte_eth_stats pmd{};
		rte_eth_stats_get(port.id(), &pmd);
		p.pmd = {pmd.ipackets, pmd.imissed, pmd.ierrors, pmd.rx_nombuf, pmd.opackets, pmd.oerrors};
		const drivers::PortXdp &x = port.xdp();
		p.xdp.available = drivers::PortXdp::available();
		p.xdp.loaded = x.loaded();
		if (p.xdp.loaded) {
			p.xdp.program_id = x.program_id();
			p.xdp.mode = x.mode();
		}
		p.xdp.sockets = port.backend() == drivers::Backend::af_xdp ? port.queue_pairs() : 0;
		// A map lookup per CPU in the kernel: this thread's time, not a worker's.
		if (auto verdicts = x.counters())
			p.xdp.verdicts = std::move(*verdicts);
		s.ports.push_back(std::move(p));
	}
}

void collect_workers(const Runtime &rt, StatsSnapshot &s)
{
	for (const auto &w : rt.workers()) {
		WorkerStats ws;
		ws.index = w->index;
		ws.lcore = w->lcore;
		for (const engine::RxQueue &q : w->rx)
			ws.rx_queues.push_back({q.port_index, q.queue_id});
		ws.polls = w->counters.polls.get();
		ws.busy_polls = w->counters.busy_polls.get();
		ws.idle_sleeps = w->counters.idle_sleeps.get();
		ws.reassembled = w->counters.reassembled.get();
		ws.fragmented = w->counters.fragmented.get();
		ws.fragments_out = w->counters.fragments_out.get();
		for (size_t p = 0; p < rt.ports().size(); p++) {
			ws.rx_packets.push_back(w->ports[p].rx_packets.get());
			ws.tx_packets.push_back(w->ports[p].tx_packets.get());
		}
		ws.drops.assign(packet::drop_reason_count - 1, 0);
		s.workers.push_back(std::move(ws));
	}
}

static_assert(output_drop_reason_count == engine::output_drop_count);

// One rule's counters, summed over workers (zero if it is not published).
void sum_rule(const engine::CompiledRule *cr, RuleStats &r)
{
	if (cr == nullptr)
		return;
	const unsigned outputs = std::min<unsigned>(cr->output_count(), r.outputs.size());
	for (unsigned w = 0; w < cr->counter_blocks(); w++) { // workers, then what replaced rules counted
		r.packets += cr->counters(w).packets.get();
		r.bytes += cr->counters(w).bytes.get();
		for (unsigned o = 0; o < outputs; o++) {
			const engine::OutputCounters &oc = cr->output_counters(w, o);
			OutputTotals &t = r.outputs[o].totals;
			t.packets += oc.packets.get();
			t.bytes += oc.bytes.get();
			for (size_t d = 0; d < engine::output_drop_count; d++)
				t.drops[d] += oc.dropped(engine::output_drop_reasons[d]);
		}
	}
	if (const engine::Stream *stream = cr->stream()) {
		const engine::SequenceCounters &c = stream->counters();
		StreamStats st;
		st.merge = stream->merges();
		st.owner = stream->owner();
		st.accepted = c.accepted();
		st.duplicates = c.duplicates.get();
		st.late = c.late.get();
		st.reordered = c.reordered.get();
		st.gaps = c.gaps.get();
		st.resyncs = c.resyncs.get();
		st.multiple = c.multiple.get();
		st.no_sequence = stream->no_sequence_count();
		const std::vector<const config::Match *> inputs = r.rule.inputs();
		for (unsigned i = 0; i < cr->input_count() && i < inputs.size(); i++)
			st.inputs.push_back({inputs[i]->port, c.inputs[i].first.get(), c.inputs[i].only.get()});
		r.stream = std::move(st);
	}
}

// The rule without its locations: a snapshot of 100,000 rules copies them
// under the control mutex, and a file name is a string each.
void copy_match(const config::Match &from, config::Match &to)
{
	to.port = from.port;
	to.dst = from.dst;
	to.dport = from.dport;
	to.src = from.src;
	to.vlan = from.vlan;
	to.join = from.join;
}

std::optional<config::Sequence> copy_sequence(const std::optional<config::Sequence> &from)
{
	if (!from)
		return std::nullopt;
	return config::Sequence{from->field, from->window, {}};
}

void copy_rule(const config::Rule &from, config::Rule &to)
{
	to.name = from.name;
	copy_match(from.match, to.match);
	to.more_inputs.resize(from.more_inputs.size());
	for (size_t i = 0; i < from.more_inputs.size(); i++)
		copy_match(from.more_inputs[i], to.more_inputs[i]);
	to.merge = copy_sequence(from.merge);
	to.monitor = copy_sequence(from.monitor);
	to.outputs.resize(from.outputs.size());
	for (size_t o = 0; o < from.outputs.size(); o++) {
		const config::Output &f = from.outputs[o];
		config::Output &t = to.outputs[o];
		t.port = f.port;
		t.dst = f.dst;
		t.dport = f.dport;
		t.ttl = f.ttl;
		t.vlan = f.vlan;
		t.mac = f.mac;
		t.src = f.src;
		t.dscp = f.dscp;
	}
}

// Rules copied per hold of the control mutex: about a millisecond's
// work, so a snapshot of 100,000 rules never keeps `rule add` waiting
// longer than that.
constexpr size_t rules_per_hold = 1024;

// Caller holds the control mutex: rules are published, replaced and
// retired under it, so the compiled rule found here stays alive meanwhile.
RuleStats copy_rule_stats(const Runtime &rt, size_t position)
{
	const engine::Engine &eng = rt.engine();
	const config::Rule &rule = rt.config().rules[position];
	const int port = eng.port_index(rule.match.port);
	const engine::CompiledRule *cr =
		port < 0 ? nullptr
			 : eng.rules().find(engine::Engine::key_of(rule.match, static_cast<uint16_t>(port)));
	RuleStats r;
	r.position = position;
	copy_rule(rule, r.rule);
	r.outputs.resize(rule.outputs.size());
	for (size_t o = 0; o < rule.outputs.size(); o++)
		r.outputs[o].port_address =
			eng.port_address(rule.outputs[o].port, rule.outputs[o].is_ipv6(rule.match));
	sum_rule(cr, r);
	return r;
}

void collect_named_rule(const Runtime &rt, const std::string &name, StatsSnapshot &s)
{
	std::lock_guard lock(rt.control_mutex());
	const auto &rules = rt.config().rules;
	s.rules_total = rules.size();
	const auto it = std::find_if(rules.begin(), rules.end(),
				     [&](const config::Rule &r) { return r.name == name; });
	if (it != rules.end())
		s.rules.push_back(copy_rule_stats(rt, static_cast<size_t>(it - rules.begin())));
}

// A range of rules, rules_per_hold at a time. Should rules change between
// two holds, the copy goes on after the last rule copied, wherever that is
// now, so no rule that stayed is skipped or copied twice.
void collect_rules(const Runtime &rt, const RuleSelection &sel, bool copy, StatsSnapshot &s)
{
	if (copy && !sel.name.empty())
		return collect_named_rule(rt, sel.name, s);
	size_t next = sel.first;
	size_t wanted = copy ? sel.count : 0;
	std::string last; // name of the last rule copied
	do {
		std::lock_guard lock(rt.control_mutex());
		const auto &rules = rt.config().rules;
		s.rules_total = rules.size();
		if (!last.empty() && (next > rules.size() || rules[next - 1].name != last)) {
			const auto it = std::find_if(rules.begin(), rules.end(),
						     [&](const config::Rule &r) { return r.name == last; });
			if (it != rules.end())
				next = static_cast<size_t>(it - rules.begin()) + 1;
			next = std::min(next, rules.size());
		}
		const size_t end = std::min({rules.size(), next + std::min(wanted, rules_per_hold)});
		if (next >= end)
			break;
		if (s.rules.empty())
			s.rules.reserve(std::min(wanted, rules.size() - next));
		for (; next < end; next++, wanted--)
			s.rules.push_back(copy_rule_stats(rt, next));
		last = rules[next - 1].name;
	} while (wanted > 0);
}

void collect_pools(const Runtime &rt, StatsSnapshot &s)
{
	for (const engine::SizeClass &sc : rt.pools().classes())
		s.pools.push_back({sc.name, "size_class", sc.data_size, sc.pool->size,
				   rte_mempool_in_use_count(sc.pool)});
	const engine::Engine &eng = rt.engine();
	for (const auto &[name, mp] : {std::pair{"clone", eng.clone_pool()},
				       std::pair{"header", eng.header_pool()}})
		if (mp != nullptr)
			s.pools.push_back({name, name, rte_pktmbuf_data_room_size(mp), mp->size,
					   rte_mempool_in_use_count(mp)});
}

} // namespace

StatsSnapshot collect_stats(const Runtime &rt, unsigned parts, const RuleSelection &rules)
{
	const auto started = std::chrono::steady_clock::now();
	StatsSnapshot s;
	for (size_t r = 1; r < packet::drop_reason_count; r++)
		s.drop_reasons.emplace_back(packet::drop_reason_name(static_cast<packet::DropReason>(r)));
	for (const packet::DropReason r : engine::output_drop_reasons)
		s.output_drop_reasons.emplace_back(packet::drop_reason_name(r));
	if (parts & stats_ports)
		collect_ports(rt, s);
	if (parts & stats_workers)
		collect_workers(rt, s);
	collect_drops(rt, s, parts & stats_ports, parts & stats_workers);
	collect_rules(rt, rules, parts & stats_rules, s);
	if (parts & stats_pools)
		collect_pools(rt, s);
	s.reloads = rt.reload_stats();
	s.collect_seconds =
		std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
	return s;
}

} // namespace mcr::app
