// The rule table: rte_hash with lock-free readers. Workers look keys up in
// bulk; the main lcore adds, replaces and removes rules while they run, and
// a rule object it took out is freed only after every worker has reported
// a quiescent state (rte_rcu_qsbr), so no worker can still hold it.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "engine/compiled_rule.h"
#include "engine/range_table.h"
#include "engine/rule_key.h"

struct rte_hash;
struct rte_rcu_qsbr;

namespace mcr::engine {

// Keys per bulk lookup: rte_hash's RTE_HASH_LOOKUP_BULK_MAX.
constexpr unsigned lookup_batch = 64;
static_assert(lookup_batch == range_lookup_batch);

// The range stage's size, per family: entries (a prefix, source and port
// range each), and mask classes, which a packet that misses every rule
// walks (doc/architecture.md, "Range rules").
constexpr uint32_t max_range_entries = 16384;
constexpr unsigned max_range_classes = 64;

// What a key's entry in the table holds: the rule, and which of its inputs
// the key is (a merged rule has several keys), in the low bits of the
// pointer, which rules' cache-line alignment leaves free. One word, so the
// bulk lookup fills it as it fills a pointer.
class RuleRef {
public:
	RuleRef() = default;
	RuleRef(CompiledRule *rule, unsigned input)
		: bits_(reinterpret_cast<uintptr_t>(rule) | input)
	{
	}
	static RuleRef from_data(void *data) { return RuleRef(reinterpret_cast<uintptr_t>(data)); }
	void *data() const { return reinterpret_cast<void *>(bits_); }

	CompiledRule *rule() const { return reinterpret_cast<CompiledRule *>(bits_ & ~input_mask); }
	unsigned input() const { return static_cast<unsigned>(bits_ & input_mask); }

private:
	static constexpr uintptr_t input_mask = max_stream_inputs - 1;
	static_assert((max_stream_inputs & input_mask) == 0 && max_stream_inputs <= 64,
		      "inputs fit the low bits of a cache-line-aligned pointer");
	explicit RuleRef(uintptr_t bits) : bits_(bits) {}
	uintptr_t bits_ = 0;
};
static_assert(sizeof(RuleRef) == sizeof(void *));

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
	// Publishes rule under each of its input keys, replacing (and
	// retiring) any rule there; a replaced rule's keys that the new rule
	// does not take are unpublished with it, and the new rule carries its
	// counters on. The table owns rule from here on, even on error. -EPERM
	// from a thread that is not an EAL lcore (add and remove only).
	int add(CompiledRule *rule);
	// Unpublishes (every key of) and retires the rule under key. -ENOENT
	// if none.
	int remove(const InputKey &key);
	// The rule one of whose keys is key, or nullptr.
	CompiledRule *find(const InputKey &key) const;
	// Every published rule, once each, for console and telemetry. Holding
	// the pointers is safe only on the main lcore, which alone retires rules.
	std::vector<CompiledRule *> rules() const;
	// Published rules (a merged rule counts once).
	uint32_t size() const;
	// The key slot a published IPv4 key occupies, or a negative errno (tests).
	int32_t key_slot(const RuleKey &key) const;

	// While a batch is open, the rules add() replaces and remove() takes out
	// wait to be retired together, after one grace period, when the
	// outermost batch closes: a neighbour change that replaces thousands
	// of rules waits for the workers once, not once per rule. Counters
	// carry on in the order the replacements happened.
	class Batch {
	public:
		explicit Batch(RuleTable &table) : table_(table), ranges_(table.ranges_)
		{
			table_.batch_depth_++;
		}
		~Batch()
		{
			if (--table_.batch_depth_ == 0)
				table_.retire_pending();
		}
		Batch(const Batch &) = delete;
		Batch &operator=(const Batch &) = delete;

	private:
		RuleTable &table_;
		// The range stage's retirements wait for the same close.
		RangeTable::Batch ranges_;
	};

	// --- workers ---
	rte_rcu_qsbr *qsbr() const { return qsbr_; }
	// Looks up n keys (n <= lookup_batch). A key whose src_ip is set is tried as
	// (S,G) first, then as (*,G); found[i] is the rule and input, or has no
	// rule. keys[i].src_ip may be cleared. Whether any key found no rule.
	bool lookup_bulk(RuleKey *keys, unsigned n, RuleRef *found) const;
	// The same for IPv6 keys; keys[i].src_ip may be cleared.
	bool lookup_bulk6(RuleKey6 *keys, unsigned n, RuleRef *found) const;
	// Whether an (S,G) rule may exist for this destination (network
	// order): workers then key its packets with their source. Counted per
	// bucket of destinations, so (S,G) rules cost the extra lookup only to
	// the (*,G) flows that share their bucket, not to every flow.
	bool has_source_specific(uint32_t dst_ip) const
	{
		return source_specific_[source_bucket(dst_ip)].load(std::memory_order_relaxed) != 0;
	}
	// Whether any range rule is published: only then do the workers ask
	// the range stage about the packets the exact tables missed.
	bool has_ranges() const { return n_ranges_.load(std::memory_order_relaxed) != 0; }
	// The range stage for n packets (n <= lookup_batch) the exact tables
	// missed: found[i] is the best range rule and input, or has no rule.
	void lookup_ranges(const RangeQuery *queries, unsigned n, RuleRef *found) const
	{
		static_assert(sizeof(RuleRef) == sizeof(void *));
		ranges_.lookup_bulk(queries, n, reinterpret_cast<void **>(found));
	}
	// Range entries and mask classes in use (stats).
	uint32_t range_entries() const { return ranges_.size(); }
	unsigned range_classes() const { return ranges_.class_count(); }
	// For an IPv6 destination (16 bytes): bucketed by its last four, where
	// groups differ.
	bool has_source_specific6(const uint8_t *dst_ip) const
	{
		uint32_t low;
		std::memcpy(&low, dst_ip + 12, sizeof low);
		return has_source_specific(low);
	}

private:
	static constexpr unsigned source_bucket_bits = 12;

	// Fibonacci hashing: the top bits of dst_ip times 2^32 / phi.
	static unsigned source_bucket(uint32_t dst_ip)
	{
		return (dst_ip * 0x9e3779b1u) >> (32 - source_bucket_bits);
	}
	void count_source_specific(const InputKey &key, int delta);
	// The exact table an input's key lives in.
	rte_hash *hash_of(const InputKey &key) const { return key.ipv6 ? hash6_ : hash_; }
	// Adds or replaces key -> ref: 0 or more, or a negative errno.
	int publish_key(const InputKey &key, RuleRef ref);
	// Deletes key. An exact key's slot, to free after the grace period;
	// -1 when there is none to free (a range key, or no such key); another
	// negative errno when a range key could not be taken out.
	int32_t withdraw_key(const InputKey &key);
	struct Retiring {
		CompiledRule *rule;
		// Key slots to free: of its keys unpublished with it (the others
		// stay, pointing at the successor), with the input each was.
		int32_t key_positions[max_stream_inputs];
		uint8_t key_inputs[max_stream_inputs];
		unsigned n_positions;
		CompiledRule *successor; // takes its counters on, or nullptr

		void freed_later(unsigned input, int32_t position)
		{
			key_positions[n_positions] = position;
			key_inputs[n_positions++] = static_cast<uint8_t>(input);
		}
	};
	// Deletes rule's keys that successor does not have (all with none) and
	// retires it.
	void unpublish(CompiledRule *rule, CompiledRule *successor);
	void retire(const Retiring &r);
	// After the grace period: carry counters, free key slots, destroy.
	void finish_retiring(const Retiring &r);
	void retire_pending();

	std::vector<Retiring> pending_;
	unsigned batch_depth_ = 0;
	uint32_t n_rules_ = 0;

	RangeTable ranges_;                 // range keys
	std::atomic<uint32_t> n_ranges_{0}; // range keys published
	rte_hash *hash_ = nullptr;  // IPv4 exact keys (RuleKey)
	rte_hash *hash6_ = nullptr; // IPv6 exact keys (RuleKey6)
	rte_rcu_qsbr *qsbr_ = nullptr;
	// (S,G) rules per bucket of destinations (16 KiB).
	std::array<std::atomic<uint32_t>, 1u << source_bucket_bits> source_specific_{};
};

} // namespace mcr::engine
