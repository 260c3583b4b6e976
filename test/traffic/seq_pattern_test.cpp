#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "traffic/seq_pattern.h"

using namespace mcr::traffic;

namespace {

std::vector<uint64_t> emitted(SeqPattern pattern, uint64_t limit)
{
	SeqEmitter e(pattern, limit);
	std::vector<uint64_t> out;
	for (uint64_t s; e.next(&s);)
		out.push_back(s);
	return out;
}

using Seqs = std::vector<uint64_t>;

} // namespace

TEST(SeqPattern, PlainIsInOrder)
{
	EXPECT_EQ(emitted({}, 5), (Seqs{0, 1, 2, 3, 4}));
}

TEST(SeqPattern, SkipLeavesOutEveryNth)
{
	EXPECT_EQ(emitted({.skip_every = 3}, 10), (Seqs{0, 1, 3, 4, 6, 7, 9}));
}

TEST(SeqPattern, DupSendsEveryNthTwice)
{
	EXPECT_EQ(emitted({.dup_every = 3}, 7), (Seqs{0, 1, 2, 2, 3, 4, 5, 5, 6}));
}

TEST(SeqPattern, SwapReversesEveryNthPair)
{
	EXPECT_EQ(emitted({.swap_every = 2}, 10), (Seqs{0, 1, 3, 2, 4, 5, 7, 6, 8, 9}));
}

TEST(SeqPattern, SwapLeavesAnIncompleteLastPair)
{
	EXPECT_EQ(emitted({.swap_every = 1}, 5), (Seqs{1, 0, 3, 2, 4}));
}

TEST(SeqPattern, SwapDecidesOrderThenSkipAndDupApply)
{
	EXPECT_EQ(emitted({.skip_every = 4, .swap_every = 1}, 8), (Seqs{1, 0, 2, 5, 4, 6}));
	EXPECT_EQ(emitted({.dup_every = 2, .swap_every = 1}, 4), (Seqs{1, 1, 0, 3, 3, 2}));
}

TEST(SeqPattern, UnlimitedKeepsGoingAndCountsWhatItDecided)
{
	SeqEmitter e({.skip_every = 2}, SeqEmitter::unlimited);
	uint64_t s = 0;
	for (int i = 0; i < 1000; i++)
		ASSERT_TRUE(e.next(&s));
	EXPECT_EQ(s, 1998u);
	EXPECT_EQ(e.consumed(), 1999u);
}
