// A rule as the workers use it: immutable once published, with everything
// a fan-out needs precomputed (rewrite of each output, egress port) and
// per-worker counter blocks, each on its own cache lines.
#pragma once

#include <cstdint>
#include <string>

#include "engine/counter.h"
#include "engine/rule_key.h"
#include "packet/rewrite.h"

namespace mcr::engine {

constexpr unsigned max_outputs = 64;

struct CompiledOutput {
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

struct OutputCounters {
	Counter packets;
	Counter bytes;
	Counter drops;
};

class CompiledRule {
public:
	// Allocated once on the main lcore, never on a worker.
	static CompiledRule *create(const std::string &name, const RuleKey &key,
				    const CompiledOutput *outputs, uint16_t n_outputs,
				    uint16_t n_workers);
	static void destroy(CompiledRule *rule);

	const char *name() const { return name_; }
	const RuleKey &key() const { return key_; }
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
	RuleCounters *block(unsigned worker) const
	{
		return reinterpret_cast<RuleCounters *>(stats_ + worker * stats_stride_);
	}

	char name_[64];
	RuleKey key_;
	uint16_t n_outputs_;
	uint16_t n_workers_;
	uint16_t chaining_;             // outputs that chain
	uint16_t chaining_before_last_; // of them, not counting the last output
	uint16_t min_mtu_;
	uint32_t stats_stride_; // bytes per worker block, a multiple of the cache line
	CompiledOutput *outputs_;
	uint8_t *stats_;
};

} // namespace mcr::engine
