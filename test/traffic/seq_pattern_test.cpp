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

// Ten percent of 100,000 numbers, per flow: near the share asked for, the
// same for the same seed and flow, and independent between flows (the
// numbers both lose are about 1 % of all, as two 10 % losses make).
TEST(SeqPattern, LossDropsAShareIndependentlyPerFlow)
{
	const SeqPattern ten{.loss_ppm = 100000, .seed = 7};
	constexpr uint64_t n = 100000;
	std::vector<bool> sent_a(n), sent_b(n);
	SeqEmitter a(ten, n, 0), b(ten, n, 1), a_again(ten, n, 0);
	for (uint64_t s; a.next(&s);) {
		sent_a[s] = true;
		uint64_t again = UINT64_MAX;
		ASSERT_TRUE(a_again.next(&again));
		EXPECT_EQ(again, s);
	}
	for (uint64_t s; b.next(&s);)
		sent_b[s] = true;
	uint64_t lost_a = 0, lost_b = 0, lost_both = 0;
	for (uint64_t s = 0; s < n; s++) {
		lost_a += !sent_a[s];
		lost_b += !sent_b[s];
		lost_both += !sent_a[s] && !sent_b[s];
	}
	EXPECT_NEAR(static_cast<double>(lost_a), 10000, 600);
	EXPECT_NEAR(static_cast<double>(lost_b), 10000, 600);
	EXPECT_NEAR(static_cast<double>(lost_both), 1000, 200);
	SeqEmitter other_seed({.loss_ppm = 100000, .seed = 8}, n, 0);
	uint64_t differ = 0;
	for (uint64_t s; other_seed.next(&s);)
		differ += !sent_a[s];
	EXPECT_GT(differ, 500u);
}
