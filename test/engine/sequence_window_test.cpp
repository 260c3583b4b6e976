// The sequence window against a model that keeps every number it saw in a
// map, on unwrapped numbers, and follows the rules as written in
// sequence_window.h: both must give the same verdicts and counts.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "engine/sequence_window.h"

namespace mcr::engine {
namespace {

using Wide = __int128;

struct ModelCounts {
	uint64_t accepted = 0, duplicates = 0, late = 0, reordered = 0, gaps = 0, resyncs = 0,
		 multiple = 0;
	uint64_t first[max_stream_inputs] = {}, only[max_stream_inputs] = {};
};

class Model {
public:
	Model(unsigned width, uint32_t window)
		: window_(window), resync_(SequenceWindow::resync_distance(width))
	{
	}

	SequenceVerdict offer(Wide u, unsigned input)
	{
		const uint8_t bit = static_cast<uint8_t>(1u << input);
		if (!started_)
			return restart(u, bit, input);
		const Wide d = u - head_;
		if (d > 0 && d <= Wide(resync_)) {
			for (Wide x = head_ - window_ + 1; x <= u - window_; x++)
				if (x >= floor_)
					leave(x);
			head_ = u;
			seen_[u] = bit;
			late_run_ = 0;
			c.accepted++;
			c.first[input]++;
			return SequenceVerdict::first;
		}
		if (d <= 0 && -d < Wide(window_)) {
			late_run_ = 0;
			if (u >= floor_ && seen_.count(u)) {
				seen_[u] |= bit;
				c.duplicates++;
				return SequenceVerdict::duplicate;
			}
			if (u < floor_)
				floor_ = u;
			seen_[u] = bit;
			c.accepted++;
			c.reordered++;
			c.first[input]++;
			return SequenceVerdict::first;
		}
		if (d <= 0 && -d <= Wide(resync_) && ++late_run_ < window_) {
			c.late++;
			return SequenceVerdict::late;
		}
		c.resyncs++;
		for (Wide x = std::max(floor_, head_ - window_ + 1); x <= head_; x++)
			leave(x);
		return restart(u, bit, input);
	}

	ModelCounts c;

private:
	SequenceVerdict restart(Wide u, uint8_t bit, unsigned input)
	{
		seen_.clear();
		started_ = true;
		head_ = floor_ = u;
		seen_[u] = bit;
		late_run_ = 0;
		c.accepted++;
		c.first[input]++;
		return SequenceVerdict::first;
	}

	void leave(Wide x)
	{
		const auto it = seen_.find(x);
		const uint8_t inputs = it == seen_.end() ? 0 : it->second;
		if (inputs == 0)
			c.gaps++;
		else if ((inputs & (inputs - 1)) == 0)
			c.only[__builtin_ctz(inputs)]++;
		else
			c.multiple++;
		if (it != seen_.end())
			seen_.erase(it);
	}

	uint64_t window_, resync_;
	bool started_ = false;
	Wide head_ = 0, floor_ = 0;
	uint64_t late_run_ = 0;
	std::map<Wide, uint8_t> seen_;
};

void expect_same(const SequenceWindow &w, const Model &m, unsigned inputs)
{
	const SequenceCounters &c = w.counters();
	EXPECT_EQ(c.accepted(), m.c.accepted);
	EXPECT_EQ(c.duplicates.get(), m.c.duplicates);
	EXPECT_EQ(c.late.get(), m.c.late);
	EXPECT_EQ(c.reordered.get(), m.c.reordered);
	EXPECT_EQ(c.gaps.get(), m.c.gaps);
	EXPECT_EQ(c.resyncs.get(), m.c.resyncs);
	EXPECT_EQ(c.multiple.get(), m.c.multiple);
	for (unsigned i = 0; i < inputs; i++) {
		EXPECT_EQ(c.inputs[i].first.get(), m.c.first[i]) << "input " << i;
		EXPECT_EQ(c.inputs[i].only.get(), m.c.only[i]) << "input " << i;
	}
}

struct RandomCase {
	unsigned width;
	uint32_t window;
	unsigned inputs;
};

class SequenceWindowModel : public testing::TestWithParam<RandomCase> {};

// A publisher's numbers as up to three inputs deliver them: loss, copies,
// reordering, and now and then a jump forward or back of every size the
// rules tell apart, starting just below the wrap.
TEST_P(SequenceWindowModel, AgreesUnderRandomInput)
{
	const RandomCase rc = GetParam();
	const Wide space = Wide(1) << rc.width;
	const uint64_t resync = SequenceWindow::resync_distance(rc.width);
	SequenceWindow w(rc.width, rc.window);
	Model m(rc.width, rc.window);
	std::mt19937_64 rng(rc.width * 7919 + rc.window);
	auto chance = [&](unsigned per_thousand) { return rng() % 1000 < per_thousand; };
	auto between = [&](uint64_t lo, uint64_t hi) { return lo + rng() % (hi - lo + 1); };

	Wide next = space - 50; // wraps within the first numbers
	uint64_t verdicts[3] = {};
	for (int i = 0; i < 100000; i++) {
		Wide u = next++;
		if (chance(20))
			u -= between(1, rc.window * 2); // reordered, or late
		else if (chance(3))
			next += between(2, rc.window - 1);
		else if (chance(2))
			next += between(rc.window, resync); // loss the window sees
		else if (chance(1))
			next += between(resync + 1, rc.width == 16 ? space / 2 - 1 : resync * 8);
		else if (chance(1))
			next -= between(resync + 1, rc.width == 16 ? space / 2 - 1 : resync * 8);
		auto offer = [&](Wide n, unsigned input) {
			const uint64_t wire = static_cast<uint64_t>(((n % space) + space) % space);
			const SequenceVerdict expected = m.offer(n, input);
			const SequenceVerdict got = w.offer(wire, input);
			ASSERT_EQ(static_cast<int>(got), static_cast<int>(expected))
				<< "step " << i << " number " << wire << " input " << input;
			verdicts[static_cast<int>(got)]++;
		};
		if (chance(1)) // one input, left alone, lags a window behind
			for (uint64_t k = 0; k < rc.window + 2; k++)
				offer(u - rc.window - 5 + Wide(k), 0);
		const unsigned copies = 1 + rng() % rc.inputs;
		for (unsigned k = 0; k < copies; k++)
			offer(u, (i + k) % rc.inputs);
	}
	expect_same(w, m, rc.inputs);
	// The input exercised every verdict.
	EXPECT_GT(verdicts[0], 0u);
	EXPECT_GT(verdicts[1], 0u);
	EXPECT_GT(verdicts[2], 0u);
	EXPECT_GT(m.c.gaps, 0u);
	EXPECT_GT(m.c.resyncs, 0u);
}

INSTANTIATE_TEST_SUITE_P(Widths, SequenceWindowModel,
			 testing::Values(RandomCase{16, 1024, 2}, RandomCase{16, 8192, 3},
					 RandomCase{32, 1024, 2}, RandomCase{32, 64, 1},
					 RandomCase{64, 1024, 3}, RandomCase{64, 65536, 2}));

TEST(SequenceWindow, SixteenBitsWrapInOrder)
{
	SequenceWindow w(16, 64);
	for (uint32_t n = 65530; n < 65536 + 10; n++)
		EXPECT_EQ(w.offer(n & 0xffff, 0), SequenceVerdict::first) << n;
	EXPECT_EQ(w.counters().reordered.get(), 0u);
	EXPECT_EQ(w.counters().resyncs.get(), 0u);
	EXPECT_EQ(w.offer(65535, 1), SequenceVerdict::duplicate);
}

TEST(SequenceWindow, GapCountedOnlyWhenItLeavesTheWindow)
{
	SequenceWindow w(32, 8);
	w.offer(1, 0);
	w.offer(3, 0); // 2 missing, still in the window
	EXPECT_EQ(w.counters().gaps.get(), 0u);
	EXPECT_EQ(w.offer(2, 1), SequenceVerdict::first); // arrived late, from B
	EXPECT_EQ(w.counters().reordered.get(), 1u);
	w.offer(5, 0); // 4 missing
	for (uint32_t n = 6; n <= 12; n++)
		w.offer(n, 0);
	EXPECT_EQ(w.counters().gaps.get(), 1u); // 4 left the window
	EXPECT_EQ(w.counters().inputs[1].only.get(), 1u); // 2, from B alone
	EXPECT_EQ(w.offer(4, 1), SequenceVerdict::late);
	EXPECT_EQ(w.counters().late.get(), 1u);
}

TEST(SequenceWindow, FarJumpResynchronises)
{
	const uint64_t far = SequenceWindow::resync_distance(64) + 1;
	SequenceWindow w(64, 1024);
	w.offer(100, 0);
	w.offer(100 + far, 0);
	EXPECT_EQ(w.counters().resyncs.get(), 1u);
	EXPECT_EQ(w.counters().gaps.get(), 0u);
	// Far behind: a restart at once.
	EXPECT_EQ(w.offer(100, 0), SequenceVerdict::first);
	EXPECT_EQ(w.counters().resyncs.get(), 2u);
	// A restart lower but near: a window's worth of late numbers first.
	w.offer(5000, 0);
	uint64_t late = 0;
	for (uint64_t n = 1; n <= 1024; n++)
		late += w.offer(n, 0) == SequenceVerdict::late;
	EXPECT_EQ(late, 1023u);
	EXPECT_EQ(w.counters().resyncs.get(), 3u);
	EXPECT_EQ(w.offer(1025, 0), SequenceVerdict::first);
}

TEST(SequenceWindow, MergedInputsCountWhoDelivered)
{
	SequenceWindow w(16, 4);
	// 1: A and B; 2: A only; 3: B only; 4: neither.
	w.offer(1, 0);
	w.offer(1, 1);
	w.offer(2, 0);
	w.offer(3, 1);
	w.offer(5, 0);
	w.offer(5, 1);
	for (uint32_t n = 6; n <= 9; n++)
		w.offer(n, 0);
	const SequenceCounters &c = w.counters();
	EXPECT_EQ(c.multiple.get(), 2u); // 1 and 5
	EXPECT_EQ(c.inputs[0].only.get(), 1u); // 2
	EXPECT_EQ(c.inputs[1].only.get(), 1u); // 3
	EXPECT_EQ(c.gaps.get(), 1u);           // 4
	EXPECT_EQ(c.inputs[1].first.get(), 1u);
	EXPECT_EQ(c.duplicates.get(), 2u);
}

} // namespace
} // namespace mcr::engine
