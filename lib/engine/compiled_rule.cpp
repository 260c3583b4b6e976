#include "engine/compiled_rule.h"

#include <rte_common.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>

namespace mcr::engine {

namespace {

constexpr std::align_val_t cache_line{RTE_CACHE_LINE_SIZE};

} // namespace

CompiledRule *CompiledRule::create(const std::string &name, const RuleKey &key,
				   const CompiledOutput *outputs, uint16_t n_outputs,
				   uint16_t n_workers)
{
	// One allocation: the rule, its outputs, then one counter block per
	// worker, so a worker's counters never share a line with another's.
	const size_t head = RTE_ALIGN_CEIL(sizeof(CompiledRule), RTE_CACHE_LINE_SIZE);
	const size_t outs = RTE_ALIGN_CEIL(sizeof(CompiledOutput) * n_outputs, RTE_CACHE_LINE_SIZE);
	const size_t stride = RTE_ALIGN_CEIL(
		sizeof(RuleCounters) + sizeof(OutputCounters) * n_outputs, RTE_CACHE_LINE_SIZE);
	const size_t total = head + outs + stride * (n_workers + 1u);

	auto *mem = static_cast<uint8_t *>(::operator new(total, cache_line));
	std::memset(mem, 0, total);
	auto *rule = new (mem) CompiledRule();
	std::strncpy(rule->name_, name.c_str(), sizeof(rule->name_) - 1);
	rule->key_ = key;
	rule->n_outputs_ = n_outputs;
	for (unsigned i = 0; i < n_outputs; i++) {
		rule->chaining_ += outputs[i].chains;
		rule->chaining_before_last_ += outputs[i].chains && i + 1 < n_outputs;
	}
	rule->n_workers_ = n_workers;
	rule->stats_stride_ = static_cast<uint32_t>(stride);
	rule->outputs_ = reinterpret_cast<CompiledOutput *>(mem + head);
	std::memcpy(rule->outputs_, outputs, sizeof(CompiledOutput) * n_outputs);
	// An output built without an MTU (tests, benchmarks) has no limit.
	rule->min_mtu_ = UINT16_MAX;
	for (unsigned i = 0; i < n_outputs; i++) {
		CompiledOutput &o = rule->outputs_[i];
		if (o.mtu == 0)
			o.mtu = UINT16_MAX;
		rule->min_mtu_ = std::min(rule->min_mtu_, o.no_neighbour ? uint16_t{0} : o.mtu);
	}
	rule->stats_ = mem + head + outs;
	for (unsigned w = 0; w < rule->counter_blocks(); w++) {
		new (rule->block(w)) RuleCounters();
		for (unsigned i = 0; i < n_outputs; i++)
			new (&rule->output_counters(w, i)) OutputCounters();
	}
	return rule;
}

void CompiledRule::carry_counters(const CompiledRule &old)
{
	RuleCounters &carried = counters(n_workers_);
	OutputCounters *carried_out = &output_counters(n_workers_, 0);
	for (unsigned w = 0; w < old.counter_blocks(); w++) {
		carried.packets.add(old.counters(w).packets.get());
		carried.bytes.add(old.counters(w).bytes.get());
		for (unsigned o = 0; o < n_outputs_ && o < old.n_outputs_; o++) {
			const CompiledOutput &a = outputs_[o], &b = old.outputs_[o];
			if (a.port_index != b.port_index || a.rewrite.dst_ip != b.rewrite.dst_ip ||
			    a.rewrite.dst_port != b.rewrite.dst_port || a.rewrite.vlan != b.rewrite.vlan)
				continue;
			const OutputCounters &from = old.output_counters(w, o);
			carried_out[o].packets.add(from.packets.get());
			carried_out[o].bytes.add(from.bytes.get());
			carried_out[o].drops.add(from.drops.get());
		}
	}
}

void CompiledRule::destroy(CompiledRule *rule)
{
	if (rule == nullptr)
		return;
	rule->~CompiledRule();
	::operator delete(static_cast<void *>(rule), cache_line);
}

} // namespace mcr::engine
