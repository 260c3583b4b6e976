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
	// A block: the rule's counters, its outputs' (what each packet
	// touches), then the outputs' drops.
	const size_t head = RTE_ALIGN_CEIL(sizeof(CompiledRule), RTE_CACHE_LINE_SIZE);
	const size_t outs = RTE_ALIGN_CEIL(sizeof(CompiledOutput) * n_outputs, RTE_CACHE_LINE_SIZE);
	const size_t hot = sizeof(RuleCounters) + sizeof(OutputCounters) * n_outputs;
	const size_t stride =
		RTE_ALIGN_CEIL(hot + sizeof(OutputDrops) * n_outputs, RTE_CACHE_LINE_SIZE);
	const size_t total = head + outs + stride * n_workers;

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
		packet::prepare_output_rewrite(o.rewrite); // the per-output constants
		rule->min_mtu_ = std::min(rule->min_mtu_, o.mtu);
	}
	rule->stats_ = mem + head + outs;
	for (unsigned w = 0; w < n_workers; w++) {
		new (rule->block(w)) RuleCounters();
		auto *block = reinterpret_cast<uint8_t *>(rule->block(w));
		for (unsigned i = 0; i < n_outputs; i++) {
			OutputCounters *oc = new (&rule->output_counters(w, i)) OutputCounters();
			uint8_t *drops = block + hot + sizeof(OutputDrops) * i;
			new (drops) OutputDrops();
			oc->drops_offset = static_cast<uint32_t>(drops - reinterpret_cast<uint8_t *>(oc));
		}
	}
	return rule;
}

void CompiledRule::destroy(CompiledRule *rule)
{
	if (rule == nullptr)
		return;
	rule->~CompiledRule();
	::operator delete(static_cast<void *>(rule), cache_line);
}

} // namespace mcr::engine
