#include "engine/rule_table.h"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "common/log.h"

namespace mcr::engine {

static_assert(lookup_batch == RTE_HASH_LOOKUP_BULK_MAX);

RuleTable::~RuleTable()
{
	for (const Retiring &r : pending_)
		CompiledRule::destroy(r.rule); // workers are gone by now
	if (hash_ != nullptr && hash6_ != nullptr)
		for (CompiledRule *rule : rules())
			CompiledRule::destroy(rule);
	rte_hash_free(hash_);
	rte_hash_free(hash6_);
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
	const std::string name6 = name + "6";
	params.name = name6.c_str();
	params.key_len = sizeof(RuleKey6);
	if (hash_ != nullptr)
		hash6_ = rte_hash_create(&params);
	if (hash_ == nullptr || hash6_ == nullptr) {
		*error = fmt::format("cannot create the rule table ({} rules): {}", capacity,
				     rte_strerror(rte_errno));
		return -rte_errno;
	}
	return ranges_.create(name + "r", std::min(capacity, max_range_entries), max_range_classes, qsbr_,
			      error);
}

namespace {

// The range stage's name of an input (its addresses as RangeMatch keeps
// them: an IPv4 address in the first four bytes).
RangeMatch range_match_of(const InputKey &key)
{
	RangeMatch m;
	m.family = key.ipv6 ? RangeFamily::ipv6 : RangeFamily::ipv4;
	m.dst_len = key.dst_len;
	m.src_len = key.src_len;
	m.port_index = key.port_index;
	m.vlan = key.vlan;
	m.first_port = key.dport_first;
	m.last_port = key.dport_last;
	const size_t from = key.ipv6 ? 0 : 12, len = key.ipv6 ? 16 : 4;
	std::memcpy(m.dst.data(), key.dst.data() + from, len);
	std::memcpy(m.src.data(), key.src.data() + from, len);
	return m;
}

} // namespace

int RuleTable::publish_key(const InputKey &key, RuleRef ref)
{
	if (!key.exact()) {
		const bool is_new = ranges_.find(range_match_of(key)) == nullptr;
		const int rc = ranges_.add(range_match_of(key), ref.data());
		if (rc == 0 && is_new)
			n_ranges_.fetch_add(1, std::memory_order_relaxed);
		return rc;
	}
	if (key.ipv6) {
		const RuleKey6 k = key.rule_key6();
		return rte_hash_add_key_data(hash6_, &k, ref.data());
	}
	const RuleKey k = key.rule_key();
	return rte_hash_add_key_data(hash_, &k, ref.data());
}

int32_t RuleTable::withdraw_key(const InputKey &key)
{
	if (!key.exact()) {
		const int rc = ranges_.remove(range_match_of(key));
		if (rc == 0)
			n_ranges_.fetch_sub(1, std::memory_order_relaxed);
		// -1: nothing to free later, the range stage frees its own
		// entries; any other failure leaves the entry published.
		return rc == 0 || rc == -ENOENT ? -1 : rc;
	}
	if (key.ipv6) {
		const RuleKey6 k = key.rule_key6();
		return rte_hash_del_key(hash6_, &k);
	}
	const RuleKey k = key.rule_key();
	return rte_hash_del_key(hash_, &k);
}

namespace {

bool has_key(const CompiledRule &rule, const InputKey &key)
{
	for (unsigned i = 0; i < rule.input_count(); i++)
		if (rule.input_key(i) == key)
			return true;
	return false;
}

unsigned input_of(const CompiledRule &rule, const InputKey &key)
{
	for (unsigned i = 0; i < rule.input_count(); i++)
		if (rule.input_key(i) == key)
			return i;
	return 0;
}

} // namespace

void RuleTable::retire(const Retiring &r)
{
	pending_.push_back(r);
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
	for (unsigned i = 0; i < r.n_positions; i++)
		rte_hash_free_key_with_position(hash_of(r.rule->input_key(r.key_inputs[i])),
						r.key_positions[i]);
	for (unsigned i = 0; i < r.rule->input_count(); i++)
		count_source_specific(r.rule->input_key(i), -1);
	CompiledRule::destroy(r.rule);
}

void RuleTable::count_source_specific(const InputKey &key, int delta)
{
	// The bucket of the destination's last four bytes: an IPv4 address,
	// or where IPv6 groups differ (has_source_specific6). Only exact keys:
	// a range's source prefix is the range stage's, and the exact tables
	// never see it.
	if (key.exact() && key.source_specific())
		source_specific_[source_bucket(packet::ipv4_of(key.dst))].fetch_add(
			static_cast<uint32_t>(delta), std::memory_order_relaxed);
}

void RuleTable::unpublish(CompiledRule *rule, CompiledRule *successor)
{
	Retiring r{rule, {}, {}, 0, successor};
	for (unsigned i = 0; i < rule->input_count(); i++) {
		const InputKey &key = rule->input_key(i);
		if (successor != nullptr && has_key(*successor, key))
			continue; // the slot stays, pointing at the successor
		const int32_t pos = withdraw_key(key);
		if (pos >= 0) {
			r.freed_later(i, pos);
		} else if (pos != -1) {
			// The range stage could not take the entry out (no memory
			// for its new port-range list): workers may still find the
			// rule, so it is never freed.
			MCR_LOG(rules, CRIT, "rule %s: range entry not removed (%s): the rule stays "
				"allocated", rule->name(), rte_strerror(-pos));
			return;
		}
	}
	retire(r);
}

int RuleTable::add(CompiledRule *rule)
{
	if (rte_lcore_id() == LCORE_ID_ANY) {
		CompiledRule::destroy(rule);
		return -EPERM; // see create(): the free-slot cache needs an lcore id
	}
	// The rules this one replaces, once each: usually the one at its key.
	CompiledRule *old[max_stream_inputs];
	unsigned n_old = 0;
	for (unsigned i = 0; i < rule->input_count(); i++) {
		CompiledRule *o = find(rule->input_key(i));
		if (o != nullptr && std::find(old, old + n_old, o) == old + n_old)
			old[n_old++] = o;
	}
	// Counted before the rule is published, so a worker that finds it
	// keys its packets with their source.
	for (unsigned i = 0; i < rule->input_count(); i++)
		count_source_specific(rule->input_key(i), +1);
	for (unsigned i = 0; i < rule->input_count(); i++) {
		const int rc = publish_key(rule->input_key(i), RuleRef(rule, i));
		if (rc >= 0)
			continue;
		// The table is full: the keys added so far go back to what they
		// were, and the rule, which workers may have seen, is retired.
		Retiring r{rule, {}, {}, 0, nullptr};
		for (unsigned j = 0; j < i; j++) {
			const InputKey &key = rule->input_key(j);
			CompiledRule *const *was = std::find_if(
				old, old + n_old, [&](CompiledRule *o) { return has_key(*o, key); });
			if (was != old + n_old) {
				publish_key(key, RuleRef(*was, input_of(**was, key)));
			} else {
				const int32_t pos = withdraw_key(key);
				if (pos >= 0)
					r.freed_later(j, pos);
			}
		}
		retire(r);
		return rc;
	}
	for (unsigned i = 0; i < n_old; i++)
		unpublish(old[i], rule);
	n_rules_ = n_rules_ + 1 - n_old;
	return 0;
}

int RuleTable::remove(const InputKey &key)
{
	if (rte_lcore_id() == LCORE_ID_ANY)
		return -EPERM;
	CompiledRule *old = find(key);
	if (old == nullptr)
		return -ENOENT;
	unpublish(old, nullptr);
	n_rules_--;
	return 0;
}

CompiledRule *RuleTable::find(const InputKey &key) const
{
	if (!key.exact())
		return RuleRef::from_data(ranges_.find(range_match_of(key))).rule();
	void *data = nullptr;
	int rc;
	if (key.ipv6) {
		const RuleKey6 k = key.rule_key6();
		rc = rte_hash_lookup_data(hash6_, &k, &data);
	} else {
		const RuleKey k = key.rule_key();
		rc = rte_hash_lookup_data(hash_, &k, &data);
	}
	return rc >= 0 ? RuleRef::from_data(data).rule() : nullptr;
}

std::vector<CompiledRule *> RuleTable::rules() const
{
	std::vector<CompiledRule *> out;
	for (rte_hash *hash : {hash_, hash6_}) {
		const void *key;
		void *data;
		uint32_t next = 0;
		while (rte_hash_iterate(hash, &key, &data, &next) >= 0) {
			const RuleRef ref = RuleRef::from_data(data);
			// A merged rule once, by its first key.
			if (ref.input() == 0)
				out.push_back(ref.rule());
		}
	}
	for (const auto &[match, value] : ranges_.entries()) {
		const RuleRef ref = RuleRef::from_data(value);
		if (ref.input() == 0)
			out.push_back(ref.rule());
	}
	return out;
}

int32_t RuleTable::key_slot(const RuleKey &key) const
{
	return rte_hash_lookup(hash_, &key);
}

uint32_t RuleTable::size() const
{
	return n_rules_;
}

namespace {

bool source_set(const RuleKey &k)
{
	return k.src_ip != 0;
}

void clear_source(RuleKey &k)
{
	k.src_ip = 0;
}

bool source_set(const RuleKey6 &k)
{
	uint64_t words[2];
	std::memcpy(words, k.src_ip, sizeof words);
	return (words[0] | words[1]) != 0;
}

void clear_source(RuleKey6 &k)
{
	std::memset(k.src_ip, 0, sizeof k.src_ip);
}

// RuleTable::lookup_bulk on one exact table.
template <class Key>
bool lookup_in(const rte_hash *hash, Key *keys, unsigned n, RuleRef *found)
{
	const void *key_ptrs[RTE_HASH_LOOKUP_BULK_MAX];
	uint64_t hits = 0;
	for (unsigned i = 0; i < n; i++)
		key_ptrs[i] = &keys[i];
	rte_hash_lookup_bulk_data(hash, key_ptrs, n, &hits, reinterpret_cast<void **>(found));
	const uint64_t all = n == 64 ? ~0ULL : (1ULL << n) - 1;
	if (hits == all)
		return false;

	// (S,G) missed: the same flow may still match a (*,G) rule.
	uint64_t retry = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!(hits & (1ULL << i))) {
			found[i] = RuleRef();
			if (source_set(keys[i])) {
				clear_source(keys[i]);
				retry |= 1ULL << i;
			}
		}
	}
	if (retry == 0)
		return true;
	const void *again[RTE_HASH_LOOKUP_BULK_MAX];
	RuleRef again_found[RTE_HASH_LOOKUP_BULK_MAX];
	unsigned idx[RTE_HASH_LOOKUP_BULK_MAX];
	unsigned m = 0;
	for (unsigned i = 0; i < n; i++)
		if (retry & (1ULL << i)) {
			idx[m] = i;
			again[m++] = &keys[i];
		}
	const uint64_t all_again = m == 64 ? ~0ULL : (1ULL << m) - 1;
	const uint64_t first_misses = ~hits & all & ~retry;
	hits = 0;
	rte_hash_lookup_bulk_data(hash, again, m, &hits, reinterpret_cast<void **>(again_found));
	for (unsigned j = 0; j < m; j++)
		found[idx[j]] = (hits & (1ULL << j)) ? again_found[j] : RuleRef();
	return first_misses != 0 || hits != all_again;
}

} // namespace

bool RuleTable::lookup_bulk(RuleKey *keys, unsigned n, RuleRef *found) const
{
	return lookup_in(hash_, keys, n, found);
}

bool RuleTable::lookup_bulk6(RuleKey6 *keys, unsigned n, RuleRef *found) const
{
	return lookup_in(hash6_, keys, n, found);
}

} // namespace mcr::engine
