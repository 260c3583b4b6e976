#include "traffic/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace mcr::traffic {

static_assert(LatencyHistogram::bucket_of(LatencyHistogram::highest_trackable) ==
	      LatencyHistogram::bucket_count - 1);

void LatencyHistogram::add(const LatencyHistogram &other)
{
	for (uint32_t b = 0; b < bucket_count; b++)
		counts_[b] += other.counts_[b];
	count_ += other.count_;
	sum_ += other.sum_;
	min_ = std::min(min_, other.min_);
	max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::bucket_high(uint32_t b)
{
	if (b < exact_limit)
		return b;
	const uint64_t shift = (b - exact_limit) / sub_bucket_half + 1;
	const uint64_t sub = (b - exact_limit) % sub_bucket_half + sub_bucket_half;
	return ((sub + 1) << shift) - 1;
}

uint64_t LatencyHistogram::rank_at_percentile(double percentile, uint64_t count)
{
	if (count == 0)
		return 0;
	const double p = std::clamp(percentile, 0.0, 100.0);
	// The small tolerance keeps p99.9 of 1000 at rank 999: 99.9/100*1000
	// is 999.0000000000001 in binary floating point.
	const double exact = p / 100.0 * static_cast<double>(count);
	const auto rank = static_cast<uint64_t>(std::ceil(exact - 1e-9 * exact));
	return std::clamp<uint64_t>(rank, 1, count);
}

uint64_t LatencyHistogram::value_at_percentile(double percentile) const
{
	const uint64_t rank = rank_at_percentile(percentile, count_);
	if (rank == 0)
		return 0;
	// The top rank is the maximum, known exactly; so is anything in the
	// last bucket, which also holds the values beyond the range.
	if (rank == count_)
		return max_;
	uint64_t seen = 0;
	for (uint32_t b = 0; b + 1 < bucket_count; b++) {
		seen += counts_[b];
		if (seen >= rank)
			return std::clamp(bucket_high(b), min_, max_);
	}
	return max_;
}

} // namespace mcr::traffic
