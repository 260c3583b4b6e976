#include "engine/rule_table.h"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <fmt/format.h>

#include "common/log.h"

namespace mcr::engine {

static_assert(lookup_batch == RTE_HASH_LOOKUP_BULK_MAX);

RuleTable::~RuleTable()
{
	for (const Retiring &r : pending_)
		CompiledRule::destroy(r.rule); // workers are gone by now
	if (hash_ != nullptr) {
		for (CompiledRule *rule : rules())
			CompiledRule::destroy(rule);
		rte_hash_free(hash_);
	}
	rte_free(qsbr_);
}

int RuleTable::create(const std::string &name, uint32_t capacity, unsigned max_readers,
		      std::string *error)
{
	const size_t qsbr_size = rte_rcu_qsbr_get_memsize(max_readers);
	qsbr_ = static_cast<rte_rcu_qsbr *>(rte_zmalloc("mcr_rules_qsbr", qsbr_size, RTE_CACHE_LINE_SIZE));
	if (qsbr_ == nullptr || rte_rcu_qsbr_init(qsbr_, max_readers) != 0) {
		*error = "cannot allocate the rule table's RCU state";
		return -ENOMEM;
	}
	rte_hash_parameters params{};
	params.name = name.c_str();
	params.entries = capacity;
	params.key_len = sizeof(RuleKey);
	params.hash_func = rte_hash_crc;
	params.socket_id = static_cast<int>(rte_socket_id());
	// Readers never lock; with LF the key slot of a deleted entry is freed
	// by us, after the grace period (see retire()). MULTI_WRITER_ADD for
	// its per-lcore cache of free key slots: a slot freed by `rule del` is
	// the next one `rule add` takes. Without it the free slots form a FIFO,
	// rule churn walks through every slot of the table, and RSS grows by
	// the whole key store (~4 MB) as its pages are touched for the first
	// time. The cache is indexed by lcore id: writers must be EAL lcores.
	params.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD;
	hash_ = rte_hash_create(&params);
	if (hash_ == nullptr) {
		*error = fmt::format("cannot create the rule table ({} rules): {}", capacity,
				     rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

void RuleTable::retire(CompiledRule *rule, int32_t key_position, CompiledRule *successor)
{
	pending_.push_back({rule, key_position, successor});
	if (batch_depth_ == 0)
		retire_pending();
}

void RuleTable::retire_pending()
{
	if (pending_.empty())
		return;
	// Waits until every registered worker has passed a quiescent state
	// since the rules were unpublished; workers report one per poll loop.
	rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
	// In order: a rule replaced twice in a batch first takes its
	// predecessor's counters, then hands them all to its successor.
	for (const Retiring &r : pending_)
		finish_retiring(r);
	pending_.clear();
}

void RuleTable::finish_retiring(const Retiring &r)
{
	// No worker counts on the rule any more: its totals are final.
	if (r.successor != nullptr)
		r.successor->carry_counters(*r.rule);
	if (r.key_position >= 0)
		rte_hash_free_key_with_position(hash_, r.key_position);
	count_source_specific(r.rule->key(), -1);
	CompiledRule::destroy(r.rule);
}

void RuleTable::count_source_specific(const RuleKey &key, int delta)
{
	if (key.src_ip != 0)
		source_specific_[source_bucket(key.dst_ip)].fetch_add(static_cast<uint32_t>(delta),
								      std::memory_order_relaxed);
}

int RuleTable::add(CompiledRule *rule)
{
	if (rte_lcore_id() == LCORE_ID_ANY) {
		CompiledRule::destroy(rule);
		return -EPERM; // see create(): the free-slot cache needs an lcore id
	}
	CompiledRule *old = find(rule->key());
	// Counted before the rule is published, so a worker that finds it
	// keys its packets with their source.
	count_source_specific(rule->key(), +1);
	const int rc = rte_hash_add_key_data(hash_, &rule->key(), rule);
	if (rc < 0) {
		count_source_specific(rule->key(), -1);
		CompiledRule::destroy(rule);
		return rc;
	}
	if (old != nullptr)
		retire(old, -1, rule); // same key slot, now pointing at the new rule
	return 0;
}

int RuleTable::remove(const RuleKey &key)
{
	if (rte_lcore_id() == LCORE_ID_ANY)
		return -EPERM;
	CompiledRule *old = find(key);
	if (old == nullptr)
		return -ENOENT;
	const int32_t pos = rte_hash_del_key(hash_, &key);
	if (pos < 0)
		return pos;
	retire(old, pos, nullptr);
	return 0;
}

CompiledRule *RuleTable::find(const RuleKey &key) const
{
	void *data = nullptr;
	return rte_hash_lookup_data(hash_, &key, &data) >= 0 ? static_cast<CompiledRule *>(data)
							      : nullptr;
}

std::vector<CompiledRule *> RuleTable::rules() const
{
	std::vector<CompiledRule *> out;
	const void *key;
	void *data;
	uint32_t next = 0;
	while (rte_hash_iterate(hash_, &key, &data, &next) >= 0)
		out.push_back(static_cast<CompiledRule *>(data));
	return out;
}

int32_t RuleTable::key_slot(const RuleKey &key) const
{
	return rte_hash_lookup(hash_, &key);
}

uint32_t RuleTable::size() const
{
	return static_cast<uint32_t>(rte_hash_count(hash_));
}

void RuleTable::lookup_bulk(RuleKey *keys, unsigned n, CompiledRule **found) const
{
	const void *key_ptrs[RTE_HASH_LOOKUP_BULK_MAX];
	uint64_t hits = 0;
	for (unsigned i = 0; i < n; i++)
		key_ptrs[i] = &keys[i];
	rte_hash_lookup_bulk_data(hash_, key_ptrs, n, &hits, reinterpret_cast<void **>(found));

	// (S,G) missed: the same flow may still match a (*,G) rule.
	uint64_t retry = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!(hits & (1ULL << i))) {
			found[i] = nullptr;
			if (keys[i].src_ip != 0) {
				keys[i].src_ip = 0;
				retry |= 1ULL << i;
			}
		}
	}
	if (retry == 0)
		return;
	const void *again[RTE_HASH_LOOKUP_BULK_MAX];
	CompiledRule *again_found[RTE_HASH_LOOKUP_BULK_MAX];
	unsigned idx[RTE_HASH_LOOKUP_BULK_MAX];
	unsigned m = 0;
	for (unsigned i = 0; i < n; i++)
		if (retry & (1ULL << i)) {
			idx[m] = i;
			again[m++] = &keys[i];
		}
	hits = 0;
	rte_hash_lookup_bulk_data(hash_, again, m, &hits, reinterpret_cast<void **>(again_found));
	for (unsigned j = 0; j < m; j++)
		found[idx[j]] = (hits & (1ULL << j)) ? again_found[j] : nullptr;
}

} // namespace mcr::engine
