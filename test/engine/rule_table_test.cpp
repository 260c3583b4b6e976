// The rule table on a real rte_hash (lock-free read/write concurrency, as
// the workers use it): publish, find, replace, remove, the (S,G) before
// (*,G) bulk lookup, and that every rule object the table takes is freed
// exactly once, also when the table is full.
#include <rte_byteorder.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "alloc_tracker.h"
#include "engine/compiled_rule.h"
#include "engine/rule_table.h"
#include "frame_builder.h"

namespace mcr::engine {
namespace {

using test::ipv4;
using test::live_aligned_allocations;

// rte_hash names are process-wide: every table gets its own.
std::string unique_table_name()
{
	static int n = 0;
	return "rt_test_" + std::to_string(n++);
}

RuleKey make_key(uint16_t port_index, uint32_t group, uint16_t dport, uint32_t source = 0,
		 uint16_t vlan = 0)
{
	RuleKey k{};
	k.dst_ip = rte_cpu_to_be_32(group);
	k.src_ip = rte_cpu_to_be_32(source);
	k.dst_port = rte_cpu_to_be_16(dport);
	k.vlan = vlan;
	k.port_index = port_index;
	return k;
}

CompiledRule *make_rule(const std::string &name, const RuleKey &key)
{
	CompiledOutput out{};
	out.port_index = 1;
	out.header_len = 42;
	return CompiledRule::create(name, key, &out, 1, 1);
}

std::unique_ptr<RuleTable> make_table(uint32_t capacity)
{
	auto table = std::make_unique<RuleTable>();
	std::string error;
	const int rc = table->create(unique_table_name(), capacity, 1, &error);
	EXPECT_EQ(rc, 0) << error;
	return rc == 0 ? std::move(table) : nullptr;
}

// One bulk lookup of copies of keys (lookup_bulk may clear src_ip).
std::vector<CompiledRule *> lookup(const RuleTable &table, std::vector<RuleKey> keys)
{
	std::vector<RuleRef> refs(keys.size());
	table.lookup_bulk(keys.data(), static_cast<unsigned>(keys.size()), refs.data());
	std::vector<CompiledRule *> found;
	for (const RuleRef &r : refs)
		found.push_back(r.rule());
	return found;
}

constexpr uint32_t group_a = ipv4(239, 1, 1, 1);
constexpr uint32_t group_b = ipv4(239, 1, 1, 2);
constexpr uint32_t source_1 = ipv4(198, 18, 0, 10);
constexpr uint32_t source_2 = ipv4(198, 18, 0, 11);

TEST(RuleTable, AddFindReplaceRemove)
{
	const int64_t live_before = live_aligned_allocations();
	{
		auto table = make_table(1024);
		ASSERT_NE(table, nullptr);
		const RuleKey key = make_key(0, group_a, 5000);

		CompiledRule *first = make_rule("first", key);
		ASSERT_EQ(table->add(first), 0);
		EXPECT_EQ(table->find(input_key_of(key)), first);
		EXPECT_EQ(table->size(), 1u);
		EXPECT_EQ(table->find(input_key_of(make_key(0, group_a, 5001))), nullptr);
		EXPECT_EQ(table->find(input_key_of(make_key(1, group_a, 5000))), nullptr);

		// Replacing publishes the new object under the same key and frees
		// the old one (no worker is registered, so the grace period is
		// immediate).
		CompiledRule *second = make_rule("second", key);
		EXPECT_EQ(live_aligned_allocations(), live_before + 2);
		ASSERT_EQ(table->add(second), 0);
		EXPECT_EQ(table->find(input_key_of(key)), second);
		EXPECT_EQ(table->size(), 1u);
		EXPECT_EQ(live_aligned_allocations(), live_before + 1);
		ASSERT_EQ(table->rules().size(), 1u);
		EXPECT_STREQ(table->rules()[0]->name(), "second");

		EXPECT_EQ(table->remove(input_key_of(key)), 0);
		EXPECT_EQ(table->find(input_key_of(key)), nullptr);
		EXPECT_EQ(table->size(), 0u);
		EXPECT_TRUE(table->rules().empty());
		EXPECT_EQ(live_aligned_allocations(), live_before);
		EXPECT_EQ(table->remove(input_key_of(key)), -ENOENT);

		// The freed key slot is usable again.
		CompiledRule *third = make_rule("third", key);
		ASSERT_EQ(table->add(third), 0);
		EXPECT_EQ(table->find(input_key_of(key)), third);
	}
	// The table's destructor frees what is still published.
	EXPECT_EQ(live_aligned_allocations(), live_before);
}

// In a batch, replaced and removed rules live until the batch closes, then
// go together; a rule replaced twice hands on its predecessor's counters.
TEST(RuleTable, BatchRetiresTogetherAndCarriesCountersInOrder)
{
	const int64_t live_before = live_aligned_allocations();
	{
		auto table = make_table(1024);
		ASSERT_NE(table, nullptr);
		const RuleKey key = make_key(0, group_a, 5000);
		const RuleKey other = make_key(0, group_a, 5001);
		CompiledRule *first = make_rule("first", key);
		ASSERT_EQ(table->add(first), 0);
		ASSERT_EQ(table->add(make_rule("other", other)), 0);
		first->counters(0).packets.add(3);
		{
			RuleTable::Batch batch(*table);
			CompiledRule *second = make_rule("second", key);
			ASSERT_EQ(table->add(second), 0);
			second->counters(0).packets.add(4);
			CompiledRule *third = make_rule("third", key);
			ASSERT_EQ(table->add(third), 0);
			EXPECT_EQ(table->remove(input_key_of(other)), 0);
			{
				RuleTable::Batch nested(*table);
			}
			// Nothing retired yet: first, second, other and third live.
			EXPECT_EQ(live_aligned_allocations(), live_before + 4);
			EXPECT_EQ(table->find(input_key_of(key)), third);
		}
		EXPECT_EQ(live_aligned_allocations(), live_before + 1);
		const CompiledRule *now = table->find(input_key_of(key));
		uint64_t packets = 0;
		for (unsigned b = 0; b < now->counter_blocks(); b++)
			packets += now->counters(b).packets.get();
		EXPECT_EQ(packets, 7u);
		// The removed key's slot is free again.
		ASSERT_EQ(table->add(make_rule("other again", other)), 0);
	}
	EXPECT_EQ(live_aligned_allocations(), live_before);
}

TEST(RuleTable, KeyFieldsAllDistinguishRules)
{
	auto table = make_table(1024);
	ASSERT_NE(table, nullptr);
	const std::vector<RuleKey> keys = {
		make_key(0, group_a, 5000),
		make_key(1, group_a, 5000),            // other ingress port
		make_key(0, group_b, 5000),            // other group
		make_key(0, group_a, 5001),            // other port
		make_key(0, group_a, 5000, 0, 100),    // tagged
		make_key(0, group_a, 5000, source_1),  // source-specific
	};
	std::vector<CompiledRule *> rules;
	for (size_t i = 0; i < keys.size(); i++) {
		rules.push_back(make_rule("r" + std::to_string(i), keys[i]));
		ASSERT_EQ(table->add(rules.back()), 0);
	}
	EXPECT_EQ(table->size(), keys.size());
	for (size_t i = 0; i < keys.size(); i++)
		EXPECT_EQ(table->find(input_key_of(keys[i])), rules[i]) << "key " << i;
	EXPECT_EQ(lookup(*table, keys), rules);
}

TEST(RuleTable, SourceSpecificBeatsAnySourceInBulkLookup)
{
	auto table = make_table(1024);
	ASSERT_NE(table, nullptr);
	CompiledRule *any_source = make_rule("any", make_key(0, group_a, 5000));
	CompiledRule *from_1 = make_rule("from-1", make_key(0, group_a, 5000, source_1));
	ASSERT_EQ(table->add(any_source), 0);
	ASSERT_EQ(table->add(from_1), 0);

	const std::vector<CompiledRule *> found = lookup(*table, {
		make_key(0, group_a, 5000, source_1), // (S,G) rule exists
		make_key(0, group_a, 5000, source_2), // only (*,G) matches
		make_key(0, group_a, 5000),           // keyed without source
		make_key(0, group_b, 5000, source_1), // nothing for this group
		make_key(0, group_a, 5000, source_1), // the same flow again in one burst
	});
	ASSERT_EQ(found.size(), 5u);
	EXPECT_EQ(found[0], from_1);
	EXPECT_EQ(found[1], any_source);
	EXPECT_EQ(found[2], any_source);
	EXPECT_EQ(found[3], nullptr);
	EXPECT_EQ(found[4], from_1);
}

TEST(RuleTable, SourceSpecificMissFallsBackToAnySourceInEveryBatchSlot)
{
	auto table = make_table(1024);
	ASSERT_NE(table, nullptr);
	CompiledRule *any_source = make_rule("any", make_key(0, group_a, 5000));
	CompiledRule *from_1 = make_rule("from-1", make_key(0, group_a, 5000, source_1));
	ASSERT_EQ(table->add(any_source), 0);
	ASSERT_EQ(table->add(from_1), 0);

	// A full batch (lookup_batch keys), alternating hit and fallback, so the
	// retry's index mapping is exercised up to the last bit of the mask.
	std::vector<RuleKey> keys;
	for (unsigned i = 0; i < lookup_batch; i++)
		keys.push_back(make_key(0, group_a, 5000, i % 2 ? source_2 + i : source_1));
	const std::vector<CompiledRule *> found = lookup(*table, keys);
	for (unsigned i = 0; i < lookup_batch; i++)
		EXPECT_EQ(found[i], i % 2 ? any_source : from_1) << "slot " << i;

	// Without the (*,G) rule the same misses are misses.
	ASSERT_EQ(table->remove(input_key_of(make_key(0, group_a, 5000))), 0);
	const std::vector<CompiledRule *> after = lookup(*table, keys);
	for (unsigned i = 0; i < lookup_batch; i++)
		EXPECT_EQ(after[i], i % 2 ? nullptr : from_1) << "slot " << i;
}

TEST(RuleTable, HasSourceSpecificTracksAddsReplacesAndRemovesPerDestination)
{
	auto table = make_table(1024);
	ASSERT_NE(table, nullptr);
	const RuleKey any_key = make_key(0, group_a, 5000);
	const RuleKey s1_key = make_key(0, group_a, 5000, source_1);
	const RuleKey s2_key = make_key(0, group_b, 5000, source_2);
	const RuleKey b_any_key = make_key(0, group_b, 5000);
	auto for_a = [&] { return table->has_source_specific(any_key.dst_ip); };
	auto for_b = [&] { return table->has_source_specific(b_any_key.dst_ip); };

	EXPECT_FALSE(for_a());
	ASSERT_EQ(table->add(make_rule("any", any_key)), 0);
	EXPECT_FALSE(for_a());
	ASSERT_EQ(table->add(make_rule("s1", s1_key)), 0);
	EXPECT_TRUE(for_a());
	EXPECT_FALSE(for_b()) << "an (S,G) rule of one group costs other groups nothing";
	ASSERT_EQ(table->add(make_rule("s1-again", s1_key)), 0); // replace
	EXPECT_TRUE(for_a());
	ASSERT_EQ(table->add(make_rule("s2", s2_key)), 0);
	EXPECT_TRUE(for_b());
	ASSERT_EQ(table->remove(input_key_of(s1_key)), 0);
	EXPECT_FALSE(for_a());
	EXPECT_TRUE(for_b()) << "group b's (S,G) rule is left";
	ASSERT_EQ(table->remove(input_key_of(s2_key)), 0);
	EXPECT_FALSE(for_b());
	ASSERT_EQ(table->remove(input_key_of(any_key)), 0);
	EXPECT_FALSE(for_a());
	// A replace, then a remove, must come back to zero, not wrap.
	ASSERT_EQ(table->add(make_rule("s1", s1_key)), 0);
	ASSERT_EQ(table->add(make_rule("s1-b", s1_key)), 0);
	ASSERT_EQ(table->remove(input_key_of(s1_key)), 0);
	EXPECT_FALSE(for_a());
}

TEST(RuleTable, HundredThousandRulesAreAllFound)
{
	constexpr uint32_t n = 100000;
	const int64_t live_before = live_aligned_allocations();
	{
		auto table = make_table(131072);
		ASSERT_NE(table, nullptr);
		std::vector<RuleKey> keys;
		std::vector<CompiledRule *> rules;
		keys.reserve(n);
		rules.reserve(n);
		for (uint32_t i = 0; i < n; i++) {
			// Spread over ingress ports, groups and UDP ports, as a
			// large deployment would be.
			keys.push_back(make_key(static_cast<uint16_t>(i % 4), ipv4(239, 0, 0, 0) + i / 4,
						static_cast<uint16_t>(5000 + i % 7)));
			rules.push_back(make_rule("r" + std::to_string(i), keys.back()));
			ASSERT_EQ(table->add(rules.back()), 0) << "rule " << i;
		}
		EXPECT_EQ(table->size(), n);
		EXPECT_EQ(live_aligned_allocations(), live_before + n);

		uint32_t wrong = 0;
		for (uint32_t i = 0; i < n; i++)
			wrong += table->find(input_key_of(keys[i])) != rules[i];
		EXPECT_EQ(wrong, 0u) << "rules not found by find()";

		wrong = 0;
		for (uint32_t off = 0; off < n; off += lookup_batch) {
			const unsigned m = std::min<uint32_t>(lookup_batch, n - off);
			std::vector<RuleKey> batch(keys.begin() + off, keys.begin() + off + m);
			const std::vector<CompiledRule *> found = lookup(*table, batch);
			for (unsigned j = 0; j < m; j++)
				wrong += found[j] != rules[off + j];
		}
		EXPECT_EQ(wrong, 0u) << "rules not found by lookup_bulk()";
		EXPECT_EQ(lookup(*table, {make_key(0, group_a, 4999)})[0], nullptr);
	}
	EXPECT_EQ(live_aligned_allocations(), live_before);
}

TEST(RuleTable, FullTableRefusesTheRuleAndFreesIt)
{
	// rte_hash's smallest table: one bucket of 8 entries, 8 key slots.
	constexpr uint32_t capacity = 8;
	auto table = make_table(capacity);
	ASSERT_NE(table, nullptr);
	for (uint32_t i = 0; i < capacity; i++)
		ASSERT_EQ(table->add(make_rule("r", make_key(0, group_a + i, 5000))), 0) << "rule " << i;
	EXPECT_EQ(table->size(), capacity);

	const int64_t live_before = live_aligned_allocations();
	const RuleKey extra = make_key(0, group_b + 100, 5000, source_1);
	CompiledRule *refused = make_rule("extra", extra);
	EXPECT_EQ(table->add(refused), -ENOSPC);
	EXPECT_EQ(live_aligned_allocations(), live_before) << "the refused rule was not freed";
	EXPECT_EQ(table->find(input_key_of(extra)), nullptr);
	EXPECT_EQ(table->size(), capacity);
	EXPECT_FALSE(table->has_source_specific(extra.dst_ip)) << "a refused (S,G) rule still counts";

	// Replacing a published rule needs no new slot and still works.
	CompiledRule *replacement = make_rule("replacement", make_key(0, group_a, 5000));
	EXPECT_EQ(table->add(replacement), 0);
	EXPECT_EQ(table->find(input_key_of(make_key(0, group_a, 5000))), replacement);
	EXPECT_EQ(live_aligned_allocations(), live_before);

	// Removing one makes room for exactly one more.
	ASSERT_EQ(table->remove(input_key_of(make_key(0, group_a + 1, 5000))), 0);
	CompiledRule *fits = make_rule("fits", extra);
	EXPECT_EQ(table->add(fits), 0);
	EXPECT_EQ(table->find(input_key_of(extra)), fits);
	EXPECT_TRUE(table->has_source_specific(extra.dst_ip));
}

// rte_hash's free-slot cache (which keeps RSS flat under rule churn) is
// indexed by lcore id: a non-EAL thread is refused, not let write out of
// bounds.
TEST(RuleTable, WritersMustBeEalLcores)
{
	auto table = make_table(64);
	ASSERT_NE(table, nullptr);
	const int64_t live_before = live_aligned_allocations();
	int added = 0, removed = 0;
	std::thread([&] {
		added = table->add(make_rule("r", make_key(0, group_a, 5000)));
		removed = table->remove(input_key_of(make_key(0, group_a, 5000)));
	}).join();
	EXPECT_EQ(added, -EPERM);
	EXPECT_EQ(removed, -EPERM);
	EXPECT_EQ(live_aligned_allocations(), live_before) << "the refused rule was not freed";
	EXPECT_EQ(table->size(), 0u);
	EXPECT_EQ(table->add(make_rule("r", make_key(0, group_a, 5000))), 0) << "main lcore";
}

// A rule deleted and added again reuses its key slot.
TEST(RuleTable, ChurnReusesKeySlots)
{
	auto table = make_table(1024);
	ASSERT_NE(table, nullptr);
	std::vector<int32_t> positions;
	for (int i = 0; i < 200; i++) {
		const RuleKey key = make_key(0, group_a + static_cast<uint32_t>(i % 3), 5000);
		ASSERT_EQ(table->add(make_rule("r", key)), 0);
		positions.push_back(table->key_slot(key));
		ASSERT_EQ(table->remove(input_key_of(key)), 0);
	}
	std::sort(positions.begin(), positions.end());
	positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
	EXPECT_LE(positions.size(), 3u) << "200 add/del pairs walked over " << positions.size()
					<< " key slots";
}

} // namespace
} // namespace mcr::engine
