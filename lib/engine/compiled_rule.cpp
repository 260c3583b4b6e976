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

CompiledRule *CompiledRule::create(const std::string &name, const InputKey *keys, unsigned n_keys,
				   const CompiledOutput *outputs, const packet::GeneralRewrite *general,
				   uint16_t n_outputs, uint16_t n_workers, Stream *stream)
{
	// One allocation: the rule, its outputs, then one counter block per
	// worker, so a worker's counters never share a line with another's,
	// and the carried block (counter_blocks()).
	// A block: the rule's counters, its outputs' (what each packet
	// touches), then the outputs' drops.
	const size_t head = RTE_ALIGN_CEIL(sizeof(CompiledRule), RTE_CACHE_LINE_SIZE);
	const size_t outs = RTE_ALIGN_CEIL(sizeof(CompiledOutput) * n_outputs, RTE_CACHE_LINE_SIZE);
	const size_t generals = general != nullptr
					? RTE_ALIGN_CEIL(sizeof(packet::GeneralRewrite) * n_outputs, RTE_CACHE_LINE_SIZE)
					: 0;
	const size_t hot = sizeof(RuleCounters) + sizeof(OutputCounters) * n_outputs;
	const size_t stride =
		RTE_ALIGN_CEIL(hot + sizeof(OutputDrops) * n_outputs, RTE_CACHE_LINE_SIZE);
	const size_t total = head + outs + generals + stride * (n_workers + 1u);

	auto *mem = static_cast<uint8_t *>(::operator new(total, cache_line));
	std::memset(mem, 0, total);
	auto *rule = new (mem) CompiledRule();
	std::strncpy(rule->name_, name.c_str(), sizeof(rule->name_) - 1);
	n_keys = std::min(n_keys, max_stream_inputs);
	std::copy(keys, keys + n_keys, rule->keys_);
	rule->n_inputs_ = static_cast<uint8_t>(n_keys);
	rule->stream_ = stream;
	rule->stream_owner_ = stream != nullptr ? stream->owner() : 0;
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
		rule->min_mtu_ = std::min(rule->min_mtu_, o.no_neighbour ? uint16_t{0} : o.mtu);
	}
	if (general != nullptr) {
		rule->general_ = reinterpret_cast<packet::GeneralRewrite *>(mem + head + outs);
		std::memcpy(rule->general_, general, sizeof(packet::GeneralRewrite) * n_outputs);
	}
	rule->stats_ = mem + head + outs + generals;
	for (unsigned w = 0; w < rule->counter_blocks(); w++) {
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

bool CompiledRule::same_destination(const CompiledRule &old, unsigned o) const
{
	const CompiledOutput &a = outputs_[o], &b = old.outputs_[o];
	if (a.port_index != b.port_index || general() != old.general())
		return false;
	if (!general())
		return a.rewrite.dst_ip == b.rewrite.dst_ip && a.rewrite.dst_port == b.rewrite.dst_port &&
		       a.rewrite.vlan == b.rewrite.vlan;
	const packet::GeneralRewrite &x = general_[o], &y = old.general_[o];
	return x.ipv6 == y.ipv6 && x.dst_mode == y.dst_mode && x.dst == y.dst &&
	       x.map_bits == y.map_bits && x.dst_port == y.dst_port && x.vlan == y.vlan;
}

void CompiledRule::carry_counters(const CompiledRule &old)
{
	RuleCounters &carried = counters(n_workers_);
	OutputCounters *carried_out = &output_counters(n_workers_, 0);
	for (unsigned w = 0; w < old.counter_blocks(); w++) {
		carried.packets.add(old.counters(w).packets.get());
		carried.bytes.add(old.counters(w).bytes.get());
		for (unsigned o = 0; o < n_outputs_ && o < old.n_outputs_; o++) {
			if (!same_destination(old, o))
				continue;
			const OutputCounters &from = old.output_counters(w, o);
			carried_out[o].packets.add(from.packets.get());
			carried_out[o].bytes.add(from.bytes.get());
			for (packet::DropReason reason : output_drop_reasons)
				carried_out[o].drop(reason).add(from.dropped(reason));
		}
	}
}

void CompiledRule::destroy(CompiledRule *rule)
{
	if (rule == nullptr)
		return;
	Stream::release(rule->stream_);
	rule->~CompiledRule();
	::operator delete(static_cast<void *>(rule), cache_line);
}

} // namespace mcr::engine
