// A rule as the workers use it: immutable once published, with everything
// a fan-out needs precomputed (rewrite of each output, egress port) and
// per-worker counter blocks, each on its own cache lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>

#include "engine/counter.h"
#include "engine/rule_key.h"
#include "engine/stream.h"
#include "packet/drop_reason.h"
#include "packet/rewrite.h"
#include "packet/rewrite_general.h"

namespace mcr::engine {

constexpr unsigned max_outputs = 64;

struct CompiledOutput {
	// The IPv4 relay's rewrite; a general rule's outputs are in
	// CompiledRule::general_output() instead, and this one is unused.
	packet::OutputRewrite rewrite;
	uint16_t port_index;
	uint16_t header_len;
	uint16_t mtu; // the egress port's: larger datagrams are fragmented or too-big
	bool chains; // the egress PMD takes chained mbufs: large packets may be cloned
	// No next-hop MAC yet: every datagram for this output is a no-neighbour
	// drop. A rule with such an output takes the one-output-at-a-time path
	// (its min_mtu() is 0), so resolved rules never test this.
	bool no_neighbour;
};

struct RuleCounters {
	Counter packets;
	Counter bytes;
};

// The drops an output causes, in OutputCounters::drops order. Only these
// five: parse and lookup drops happen before any output is chosen.
inline constexpr packet::DropReason output_drop_reasons[] = {
	packet::DropReason::ttl_expired, packet::DropReason::no_buffer, packet::DropReason::tx_full,
	packet::DropReason::too_big, packet::DropReason::no_neighbour,
};
inline constexpr size_t output_drop_count = std::size(output_drop_reasons);

// Slot of an output drop reason (one of output_drop_reasons) in
// OutputCounters::drops; folds to a constant where the reason is one.
constexpr size_t output_drop_slot(packet::DropReason reason)
{
	size_t i = 0;
	while (i + 1 < output_drop_count && output_drop_reasons[i] != reason)
		i++;
	return i;
}
static_assert(output_drop_slot(packet::DropReason::no_neighbour) == output_drop_count - 1);

struct OutputDrops {
	Counter reasons[output_drop_count];
};

// An output's counters on one worker. packets and bytes are what every
// packet touches: 24 bytes an output, so a rule's outputs share few cache
// lines; its drops lie in the cold end of the worker's counter block.
struct OutputCounters {
	Counter packets;
	Counter bytes;
	uint32_t drops_offset = 0; // from this object to its OutputDrops (CompiledRule::create)

	Counter &drop(packet::DropReason reason) const
	{
		return drops().reasons[output_drop_slot(reason)];
	}
	uint64_t dropped(packet::DropReason reason) const { return drop(reason).get(); }
	uint64_t dropped() const // every reason
	{
		uint64_t n = 0;
		for (const Counter &c : drops().reasons)
			n += c.get();
		return n;
	}

private:
	OutputDrops &drops() const
	{
		return *reinterpret_cast<OutputDrops *>(reinterpret_cast<uintptr_t>(this) + drops_offset);
	}
};

static_assert(sizeof(OutputCounters) == 24, "what every packet touches stays packets, bytes and one word");

class CompiledRule {
public:
	// Allocated once on the main lcore, never on a worker. keys: one per
	// input (a merged rule has several, 1 to max_stream_inputs). general:
	// nullptr for an IPv4 exact rule whose outputs are all IPv4 with their
	// destination kept or set (`rewrite`); otherwise one per output, and
	// packets take the general path (fan_out_general). stream: a merged
	// or monitored rule's, which the rule holds a reference to from here
	// on; nullptr for a plain rule.
	static CompiledRule *create(const std::string &name, const InputKey *keys, unsigned n_keys,
				    const CompiledOutput *outputs, const packet::GeneralRewrite *general,
				    uint16_t n_outputs, uint16_t n_workers, Stream *stream);
	// A plain IPv4 rule with one input.
	static CompiledRule *create(const std::string &name, const RuleKey &key,
				    const CompiledOutput *outputs, uint16_t n_outputs,
				    uint16_t n_workers)
	{
		const InputKey input = input_key_of(key);
		return create(name, &input, 1, outputs, nullptr, n_outputs, n_workers, nullptr);
	}
	static void destroy(CompiledRule *rule);

	const char *name() const { return name_; }
	// The first input's key: the rule's identity in the table.
	const InputKey &key() const { return keys_[0]; }
	unsigned input_count() const { return n_inputs_; }
	const InputKey &input_key(unsigned input) const { return keys_[input]; }
	// Whether packets take the general path: an IPv6 or range input, an
	// output of the other family, a mapped destination.
	bool general() const { return general_ != nullptr; }
	const packet::GeneralRewrite &general_output(unsigned i) const { return general_[i]; }
	// A merged or monitored rule's stream, or nullptr.
	Stream *stream() const { return stream_; }
	// The worker that owns the stream (Stream::owner), read here so that
	// other workers never touch the stream's cache lines.
	uint16_t stream_owner() const { return stream_owner_; }
	uint16_t output_count() const { return n_outputs_; }
	uint16_t worker_count() const { return n_workers_; }
	const CompiledOutput &output(unsigned i) const { return outputs_[i]; }
	// How many of the first `n` outputs chain (CompiledOutput::chains):
	// `n` is all of them, or all but the last.
	uint16_t chaining_outputs(unsigned n) const
	{
		return n == n_outputs_ ? chaining_ : chaining_before_last_;
	}

	// The smallest MTU of the outputs' ports: a datagram no larger goes
	// out whole everywhere. 0 when an output has no neighbour yet, so that
	// every datagram takes the path that handles outputs one by one.
	uint16_t min_mtu() const { return min_mtu_; }

	// Counter blocks: one per worker, then one (written by the main lcore
	// only) holding what the rules this one replaced had counted, so totals
	// never go backwards when a rule is recompiled. Readers sum them all.
	unsigned counter_blocks() const { return n_workers_ + 1u; }
	// Adds everything old counted (and had carried) into the carried
	// block: the rule totals, and each output's where old's output at the
	// same index sends to the same place. Main lcore, after old is retired.
	void carry_counters(const CompiledRule &old);

	RuleCounters &counters(unsigned worker) const { return *block(worker); }
	OutputCounters &output_counters(unsigned worker, unsigned i) const
	{
		return reinterpret_cast<OutputCounters *>(block(worker) + 1)[i];
	}

private:
	CompiledRule() = default;
	// Whether output o sends where old's output o did (its counters go on).
	bool same_destination(const CompiledRule &old, unsigned o) const;
	RuleCounters *block(unsigned worker) const
	{
		return reinterpret_cast<RuleCounters *>(stats_ + worker * stats_stride_);
	}

	// What every packet reads first, on the first cache line.
	uint16_t n_outputs_;
	uint16_t n_workers_;
	packet::GeneralRewrite *general_;
	uint16_t chaining_;             // outputs that chain
	uint16_t chaining_before_last_; // of them, not counting the last output
	uint16_t min_mtu_;
	uint8_t n_inputs_;
	uint16_t stream_owner_;
	uint32_t stats_stride_; // bytes per worker block, a multiple of the cache line
	CompiledOutput *outputs_;
	uint8_t *stats_;
	Stream *stream_;
	char name_[64];
	InputKey keys_[max_stream_inputs];
};

} // namespace mcr::engine
