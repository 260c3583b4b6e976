// Percentiles against the exact answer from a sorted vector of the same
// values: never below it, and at most one bucket width (1/128) above.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "traffic/latency_histogram.h"

using namespace mcr::traffic;

namespace {

constexpr double checked_percentiles[] = {0, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100};

uint64_t reference(const std::vector<uint64_t> &sorted, double p)
{
	return sorted[LatencyHistogram::rank_at_percentile(p, sorted.size()) - 1];
}

void expect_matches_reference(std::vector<uint64_t> values)
{
	auto h = std::make_unique<LatencyHistogram>();
	for (uint64_t v : values)
		h->record(v);
	std::sort(values.begin(), values.end());
	EXPECT_EQ(h->count(), values.size());
	EXPECT_EQ(h->min(), values.front());
	EXPECT_EQ(h->max(), values.back());
	for (double p : checked_percentiles) {
		const uint64_t want = reference(values, p);
		const uint64_t got = h->value_at_percentile(p);
		EXPECT_GE(got, want) << "p" << p;
		EXPECT_LE(got - want, want / 128) << "p" << p << " want " << want;
	}
}

} // namespace

TEST(LatencyHistogram, EmptyIsAllZero)
{
	LatencyHistogram h;
	EXPECT_EQ(h.count(), 0u);
	EXPECT_EQ(h.min(), 0u);
	EXPECT_EQ(h.max(), 0u);
	EXPECT_EQ(h.value_at_percentile(50), 0u);
	EXPECT_EQ(h.mean(), 0.0);
}

TEST(LatencyHistogram, RankIsTheCeilingOfTheFraction)
{
	EXPECT_EQ(LatencyHistogram::rank_at_percentile(50, 10), 5u);
	EXPECT_EQ(LatencyHistogram::rank_at_percentile(50, 11), 6u);
	EXPECT_EQ(LatencyHistogram::rank_at_percentile(99.9, 1000), 999u);
	EXPECT_EQ(LatencyHistogram::rank_at_percentile(99.9, 1001), 1000u);
	EXPECT_EQ(LatencyHistogram::rank_at_percentile(0, 1000), 1u);
	EXPECT_EQ(LatencyHistogram::rank_at_percentile(100, 1000), 1000u);
	EXPECT_EQ(LatencyHistogram::rank_at_percentile(50, 0), 0u);
}

TEST(LatencyHistogram, BucketsAreContiguousAndNarrow)
{
	// Every value lies in its bucket; the bucket below ends right before
	// the bucket's first value; no bucket is wider than 1/128 of its values.
	for (uint64_t v = 0; v < (uint64_t{1} << 22); v += 1 + v / 1000) {
		const uint32_t b = LatencyHistogram::bucket_of(v);
		const uint64_t high = LatencyHistogram::bucket_high(b);
		ASSERT_GE(high, v);
		const uint64_t low = b == 0 ? 0 : LatencyHistogram::bucket_high(b - 1) + 1;
		ASSERT_LE(low, v);
		ASSERT_EQ(LatencyHistogram::bucket_of(low), b);
		ASSERT_EQ(LatencyHistogram::bucket_of(high), b);
		ASSERT_LE(high - low, low / 128) << v;
	}
	EXPECT_EQ(LatencyHistogram::bucket_of(LatencyHistogram::highest_trackable),
		  LatencyHistogram::bucket_count - 1);
	EXPECT_EQ(LatencyHistogram::bucket_high(LatencyHistogram::bucket_count - 1),
		  LatencyHistogram::highest_trackable);
}

TEST(LatencyHistogram, SmallValuesAreExact)
{
	std::vector<uint64_t> values;
	for (uint64_t v = 0; v < 256; v++)
		for (uint64_t k = 0; k <= v % 5; k++)
			values.push_back(v);
	auto h = std::make_unique<LatencyHistogram>();
	for (uint64_t v : values)
		h->record(v);
	std::sort(values.begin(), values.end());
	for (double p : checked_percentiles)
		EXPECT_EQ(h->value_at_percentile(p), reference(values, p)) << "p" << p;
}

TEST(LatencyHistogram, UniformMatchesSortedReference)
{
	std::mt19937_64 rng(1);
	std::uniform_int_distribution<uint64_t> dist(0, 2000000);
	std::vector<uint64_t> values(100000);
	for (uint64_t &v : values)
		v = dist(rng);
	expect_matches_reference(values);
}

TEST(LatencyHistogram, LongTailMatchesSortedReference)
{
	// Latencies look like this: a body of microseconds, a tail to
	// milliseconds.
	std::mt19937_64 rng(2);
	std::lognormal_distribution<double> dist(std::log(20000.0), 1.2);
	std::vector<uint64_t> values(200000);
	for (uint64_t &v : values)
		v = static_cast<uint64_t>(dist(rng));
	expect_matches_reference(values);
}

TEST(LatencyHistogram, BimodalMatchesSortedReference)
{
	std::mt19937_64 rng(3);
	std::normal_distribution<double> fast(8000, 500);
	std::normal_distribution<double> slow(900000, 50000);
	std::bernoulli_distribution is_slow(0.02);
	std::vector<uint64_t> values(50000);
	for (uint64_t &v : values)
		v = static_cast<uint64_t>(std::max(0.0, is_slow(rng) ? slow(rng) : fast(rng)));
	expect_matches_reference(values);
}

TEST(LatencyHistogram, FewValuesMatchSortedReference)
{
	expect_matches_reference({5});
	expect_matches_reference({1000, 3});
	expect_matches_reference({123456789, 5000, 5001, 77});
}

TEST(LatencyHistogram, ValuesBeyondTheRangeKeepAnExactMax)
{
	LatencyHistogram h;
	h.record(10);
	h.record(uint64_t{1} << 40);
	EXPECT_EQ(h.max(), uint64_t{1} << 40);
	EXPECT_EQ(h.value_at_percentile(100), uint64_t{1} << 40);
	EXPECT_EQ(h.value_at_percentile(50), 10u);
}

TEST(LatencyHistogram, MeanIsExact)
{
	LatencyHistogram h;
	h.record(1000);
	h.record(2000);
	h.record(6000);
	EXPECT_DOUBLE_EQ(h.mean(), 3000.0);
}

TEST(LatencyHistogram, AddMergesRecordings)
{
	auto a = std::make_unique<LatencyHistogram>();
	auto b = std::make_unique<LatencyHistogram>();
	auto both = std::make_unique<LatencyHistogram>();
	for (uint64_t v = 1; v <= 1000; v++) {
		(v % 3 ? a : b)->record(v * 37);
		both->record(v * 37);
	}
	a->add(*b);
	EXPECT_EQ(a->count(), both->count());
	EXPECT_EQ(a->min(), both->min());
	EXPECT_EQ(a->max(), both->max());
	for (double p : checked_percentiles)
		EXPECT_EQ(a->value_at_percentile(p), both->value_at_percentile(p));
}
