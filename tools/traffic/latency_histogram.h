// A log-linear histogram of latencies in nanoseconds, in the manner of
// HdrHistogram with 2 significant digits: values below 256 have a bucket
// each, and every power of two above that is split into 128 linear
// buckets, so a bucket is never wider than 1/128 (0.8 %) of its values.
// Recording is an index computation and an increment: the counts live in
// the object, nothing is allocated after construction.
#pragma once

#include <array>
#include <cstdint>

namespace mcr::traffic {

class LatencyHistogram {
public:
	// 2^7 linear buckets per power of two above the exact range.
	static constexpr unsigned sub_bucket_bits = 7;
	static constexpr uint64_t sub_bucket_half = uint64_t{1} << sub_bucket_bits;
	static constexpr uint64_t exact_limit = 2 * sub_bucket_half; // values < 256 are exact
	// Largest value with its own bucket: 2^36 - 1 ns, about 68.7 s. Larger
	// values land in the last bucket, whose percentiles report max(), the
	// one value known exactly there.
	static constexpr unsigned highest_bit = 36;
	static constexpr uint64_t highest_trackable = (uint64_t{1} << highest_bit) - 1;
	static constexpr uint32_t bucket_count =
		exact_limit + (highest_bit - 1 - sub_bucket_bits) * sub_bucket_half;

	void record(uint64_t value_ns)
	{
		counts_[bucket_of(value_ns)]++;
		count_++;
		sum_ += value_ns;
		if (value_ns < min_)
			min_ = value_ns;
		if (value_ns > max_)
			max_ = value_ns;
	}

	// Adds every recording of other (for an all-flows total).
	void add(const LatencyHistogram &other);

	uint64_t count() const { return count_; }
	uint64_t min() const { return count_ ? min_ : 0; }
	uint64_t max() const { return max_; }
	double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0.0; }

	// The smallest recorded value v such that at least `percentile` % of
	// the recordings are <= v, to within its bucket: the answer is the
	// bucket's highest value (clamped to [min, max]), so it is never below
	// the exact answer and at most 1/128 above it (below highest_trackable).
	// The top rank answers max() exactly. 0 when empty.
	uint64_t value_at_percentile(double percentile) const;

	// The 1-based rank, in sorted order, of the recording that
	// value_at_percentile answers for: ceil(percentile/100 * count), at
	// least 1. Public so that tests compute references the same way.
	static uint64_t rank_at_percentile(double percentile, uint64_t count);

	static constexpr uint32_t bucket_of(uint64_t value)
	{
		if (value < exact_limit)
			return static_cast<uint32_t>(value);
		if (value > highest_trackable)
			value = highest_trackable;
		const unsigned msb = 63 - static_cast<unsigned>(__builtin_clzll(value));
		const unsigned shift = msb - sub_bucket_bits; // >= 1 here
		return static_cast<uint32_t>(exact_limit + (shift - 1) * sub_bucket_half +
					     ((value >> shift) - sub_bucket_half));
	}

	// The highest value that maps to bucket b.
	static uint64_t bucket_high(uint32_t b);

private:
	std::array<uint64_t, bucket_count> counts_{};
	uint64_t count_ = 0;
	uint64_t sum_ = 0;
	uint64_t min_ = UINT64_MAX;
	uint64_t max_ = 0;
};

} // namespace mcr::traffic
