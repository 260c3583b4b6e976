// The rule table: rte_hash with lock-free readers. Workers look keys up in
// bulk; the main lcore adds, replaces and removes rules while they run, and
// a rule object it took out is freed only after every worker has reported
// a quiescent state (rte_rcu_qsbr), so no worker can still hold it.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/compiled_rule.h"
#include "engine/rule_key.h"

struct rte_hash;
struct rte_rcu_qsbr;

namespace mcr::engine {

// Keys per bulk lookup: rte_hash's RTE_HASH_LOOKUP_BULK_MAX.
constexpr unsigned lookup_batch = 64;

class RuleTable {
public:
	RuleTable() = default;
	~RuleTable();
	RuleTable(const RuleTable &) = delete;
	RuleTable &operator=(const RuleTable &) = delete;

	// capacity: rules the hash holds; max_readers: workers that will
	// register. Returns 0 or a negative errno with *error.
	int create(const std::string &name, uint32_t capacity, unsigned max_readers,
		   std::string *error);

	// --- main lcore ---
	// Publishes rule under rule->key(), replacing (and retiring) any rule
	// there; the replacement carries the old rule's counters on. The table
	// owns rule from here on, even on error. -EPERM from
	// a thread that is not an EAL lcore (add and remove only).
	int add(CompiledRule *rule);
	// Unpublishes and retires the rule under key. -ENOENT if none.
	int remove(const RuleKey &key);
	CompiledRule *find(const RuleKey &key) const;
	// Every published rule, for console and telemetry. Holding the
	// pointers is safe only on the main lcore, which alone retires rules.
	std::vector<CompiledRule *> rules() const;
	uint32_t size() const;
	// The key slot a published key occupies, or a negative errno (tests).
	int32_t key_slot(const RuleKey &key) const;

	// While a batch is open, the rules add() replaces and remove() takes out
	// wait to be retired together, after one grace period, when the
	// outermost batch closes: a neighbour change that replaces thousands
	// of rules waits for the workers once, not once per rule. Counters
	// carry on in the order the replacements happened.
	class Batch {
	public:
		explicit Batch(RuleTable &table) : table_(table) { table_.batch_depth_++; }
		~Batch()
		{
			if (--table_.batch_depth_ == 0)
				table_.retire_pending();
		}
		Batch(const Batch &) = delete;
		Batch &operator=(const Batch &) = delete;

	private:
		RuleTable &table_;
	};

	// --- workers ---
	rte_rcu_qsbr *qsbr() const { return qsbr_; }
	// Looks up n keys (n <= lookup_batch). A key whose src_ip is set is tried as
	// (S,G) first, then as (*,G); found[i] is the rule or nullptr.
	// keys[i].src_ip may be cleared.
	void lookup_bulk(RuleKey *keys, unsigned n, CompiledRule **found) const;
	// Whether an (S,G) rule may exist for this destination (network
	// order): workers then key its packets with their source. Counted per
	// bucket of destinations, so (S,G) rules cost the extra lookup only to
	// the (*,G) flows that share their bucket, not to every flow.
	bool has_source_specific(uint32_t dst_ip) const
	{
		return source_specific_[source_bucket(dst_ip)].load(std::memory_order_relaxed) != 0;
	}

private:
	static constexpr unsigned source_bucket_bits = 12;

	// Fibonacci hashing: the top bits of dst_ip times 2^32 / phi.
	static unsigned source_bucket(uint32_t dst_ip)
	{
		return (dst_ip * 0x9e3779b1u) >> (32 - source_bucket_bits);
	}
	void count_source_specific(const RuleKey &key, int delta);
	struct Retiring {
		CompiledRule *rule;
		int32_t key_position; // to free, or -1 (the key stays, pointing at the successor)
		CompiledRule *successor; // takes its counters on, or nullptr
	};
	void retire(CompiledRule *rule, int32_t key_position, CompiledRule *successor);
	// After the grace period: carry counters, free key slots, destroy.
	void finish_retiring(const Retiring &r);
	void retire_pending();

	std::vector<Retiring> pending_;
	unsigned batch_depth_ = 0;

	rte_hash *hash_ = nullptr;
	rte_rcu_qsbr *qsbr_ = nullptr;
	// (S,G) rules per bucket of destinations (16 KiB).
	std::array<std::atomic<uint32_t>, 1u << source_bucket_bits> source_specific_{};
};

} // namespace mcr::engine
