// The sink's accounting fed with the generator's skip/dup/swap patterns
// gives exact counts; a brute-force model (a set of everything seen)
// checks every combination.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <vector>

#include "traffic/seq_accounting.h"
#include "traffic/seq_pattern.h"

using namespace mcr::traffic;

namespace {

struct Counts {
	uint64_t received = 0, lost = 0, duplicated = 0, reordered = 0;

	bool operator==(const Counts &) const = default;
};

std::ostream &operator<<(std::ostream &os, const Counts &c)
{
	return os << "{received " << c.received << ", lost " << c.lost << ", dup " << c.duplicated
		  << ", reordered " << c.reordered << "}";
}

Counts counts_of(const SeqAccount &a)
{
	return {a.received(), a.lost(), a.duplicated(), a.reordered()};
}

Counts account(const std::vector<uint64_t> &arrivals)
{
	SeqAccount a;
	for (uint64_t s : arrivals)
		a.record(s);
	return counts_of(a);
}

// The definitions, with unbounded memory.
Counts model(const std::vector<uint64_t> &arrivals)
{
	Counts c;
	std::set<uint64_t> seen;
	uint64_t highest = 0;
	for (uint64_t s : arrivals) {
		c.received++;
		if (seen.count(s))
			c.duplicated++;
		else if (!seen.empty() && s < highest)
			c.reordered++;
		seen.insert(s);
		highest = std::max(highest, s);
	}
	c.lost = seen.empty() ? 0 : highest + 1 - seen.size();
	return c;
}

std::vector<uint64_t> emitted(SeqPattern pattern, uint64_t limit)
{
	SeqEmitter e(pattern, limit);
	std::vector<uint64_t> out;
	for (uint64_t s; e.next(&s);)
		out.push_back(s);
	return out;
}

} // namespace

TEST(SeqAccounting, InOrderIsClean)
{
	EXPECT_EQ(account(emitted({}, 100000)), (Counts{100000, 0, 0, 0}));
}

TEST(SeqAccounting, SkipIsLoss)
{
	// 9, 19, ..., 999: 100 sequences; 1004 is the highest, sent.
	EXPECT_EQ(account(emitted({.skip_every = 10}, 1005)), (Counts{905, 100, 0, 0}));
}

TEST(SeqAccounting, DupIsDuplication)
{
	// 6, 13, ..., 993: 142 sequences sent twice.
	EXPECT_EQ(account(emitted({.dup_every = 7}, 1000)), (Counts{1142, 0, 142, 0}));
}

TEST(SeqAccounting, SwapIsReorderingNotLoss)
{
	// Pairs 4, 9, ..., 499 of 500: 100 swapped; the second of each pair
	// fills the gap the first left.
	EXPECT_EQ(account(emitted({.swap_every = 5}, 1000)), (Counts{1000, 0, 0, 100}));
}

TEST(SeqAccounting, CombinedPatternsMatchTheModel)
{
	for (uint64_t skip : {0, 2, 3, 7, 50})
		for (uint64_t dup : {0, 1, 2, 5, 11})
			for (uint64_t swap : {0, 1, 2, 3, 13})
				for (uint64_t limit : {1, 2, 5, 64, 999, 1000}) {
					const auto arrivals = emitted({skip, dup, swap}, limit);
					ASSERT_EQ(account(arrivals), model(arrivals))
						<< "skip " << skip << " dup " << dup << " swap " << swap
						<< " limit " << limit;
				}
}

TEST(SeqAccounting, ExactCountsForTheLabPattern)
{
	// What test_gen_sink.py sends: skip 10, dup 7, swap 5 over 1000.
	const auto arrivals = emitted({.skip_every = 10, .dup_every = 7, .swap_every = 5}, 1000);
	EXPECT_EQ(account(arrivals), model(arrivals));
}

TEST(SeqAccounting, LateStartCountsTheMissedStartAsLost)
{
	SeqAccount a;
	a.record(5);
	EXPECT_EQ(a.lost(), 5u);
	EXPECT_EQ(a.record(2), SeqAccount::Arrival::reordered);
	EXPECT_EQ(a.lost(), 4u);
	EXPECT_EQ(a.record(2), SeqAccount::Arrival::duplicate);
	EXPECT_EQ(counts_of(a), (Counts{3, 4, 1, 1}));
}

TEST(SeqAccounting, DuplicateOfTheHighestIsDuplicate)
{
	SeqAccount a;
	a.record(0);
	EXPECT_EQ(a.record(0), SeqAccount::Arrival::duplicate);
	EXPECT_EQ(counts_of(a), (Counts{2, 0, 1, 0}));
}

TEST(SeqAccounting, AJumpKeepsWhatIsStillInTheWindow)
{
	constexpr uint64_t w = SeqAccount::window;
	SeqAccount a;
	for (uint64_t s = 0; s < 100; s++)
		a.record(s);
	const uint64_t top = w + 49; // the window is now [50, top]
	EXPECT_EQ(a.record(top), SeqAccount::Arrival::in_order);
	EXPECT_EQ(a.record(60), SeqAccount::Arrival::duplicate);
	EXPECT_EQ(a.record(120), SeqAccount::Arrival::reordered);
	EXPECT_EQ(a.record(120), SeqAccount::Arrival::duplicate);
	EXPECT_EQ(a.record(top - 1), SeqAccount::Arrival::reordered);
	EXPECT_EQ(a.record(40), SeqAccount::Arrival::late);
	EXPECT_EQ(a.late(), 1u);
	// Distinct: 0..99, top, 120, top-1 and the late 40 taken as new.
	EXPECT_EQ(a.distinct(), 104u);
	EXPECT_EQ(a.lost(), top + 1 - 104);
}

TEST(SeqAccounting, AJumpBeyondTheWindowForgetsEverything)
{
	constexpr uint64_t w = SeqAccount::window;
	SeqAccount a;
	for (uint64_t s = 0; s < 10; s++)
		a.record(s);
	a.record(10 * w);
	for (uint64_t s = 9 * w + 1; s < 10 * w; s += 997)
		ASSERT_EQ(a.record(s), SeqAccount::Arrival::reordered) << s;
	EXPECT_EQ(a.record(5), SeqAccount::Arrival::late);
}

TEST(SeqAccounting, SlidingByOneWrapsTheRingCleanly)
{
	constexpr uint64_t w = SeqAccount::window;
	SeqAccount a;
	// Every other sequence, for several windows: each gap must read as
	// missing, never as a leftover bit from a lap before.
	for (uint64_t s = 0; s < 5 * w; s += 2)
		a.record(s);
	EXPECT_EQ(a.record(5 * w - 3), SeqAccount::Arrival::reordered);
	EXPECT_EQ(a.record(5 * w - 4), SeqAccount::Arrival::duplicate);
	EXPECT_EQ(a.lost(), (5 * w - 2 + 1) - (5 * w / 2) - 1);
}

TEST(SeqAccounting, LostNeverGoesNegative)
{
	// Copies arriving later than the window can tell are taken as new, so
	// distinct can exceed highest + 1; lost stays at 0.
	constexpr uint64_t w = SeqAccount::window;
	SeqAccount a;
	for (uint64_t s = 0; s <= w; s++)
		a.record(s);
	a.record(0);
	EXPECT_EQ(a.late(), 1u);
	EXPECT_EQ(a.lost(), 0u);
}
